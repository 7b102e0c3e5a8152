// fleetctl: supervisorctl's commands against a local fleet-agent, and the cluster commands
// against fleet-controller. The commands come with the next issues; until then this entry point
// says so plainly and exits with supervisorctl's "generic error" code.
process.stderr.write('fleetctl: not implemented yet in this version; use fleet-agent (see README.md)\n');
process.exitCode = 1;
