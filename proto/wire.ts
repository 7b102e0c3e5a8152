/**
 * BinaryReader and BinaryWriter, the only part of @bufbuild/protobuf the generated codecs use.
 * `npm run gen` points every file in proto/gen here instead of at `@bufbuild/protobuf/wire`,
 * because that entry point also re-exports its size-delimited helpers, which load the library's
 * whole reflection layer: about 20 modules and 15-25 ms of every fleetctl command's cold start,
 * for classes that live in one file. The package's exports map hides that file, so it is found
 * next to the public entry point.
 */
import type * as Wire from '@bufbuild/protobuf/wire';

const binaryEncoding = new URL('./binary-encoding.js', import.meta.resolve('@bufbuild/protobuf/wire'));
const wire = (await import(binaryEncoding.href)) as Pick<typeof Wire, 'BinaryReader' | 'BinaryWriter'>;

export const BinaryReader = wire.BinaryReader;
export type BinaryReader = Wire.BinaryReader;
export const BinaryWriter = wire.BinaryWriter;
export type BinaryWriter = Wire.BinaryWriter;
