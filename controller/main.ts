// fleet-controller: the cluster control plane. It comes with a later issue; until then this entry
// point says so plainly and exits 1.
process.stderr.write('fleet-controller: not implemented yet in this version; use fleet-agent (see README.md)\n');
process.exitCode = 1;
