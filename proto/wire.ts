/**
 * BinaryReader and BinaryWriter, the only part of @bufbuild/protobuf the generated codecs use.
 * `npm run gen` points every file in proto/gen here instead of at `@bufbuild/protobuf/wire`,
 * because that entry point also re-exports its size-delimited helpers, which load the library's
 * whole reflection layer: about 20 modules and 15-25 ms of every fleetctl command's cold start,
 * for classes that live in one file. The package's exports map hides that file, so it is found
 * next to the public entry point. It is required, not imported, so this module also works in
 * fleetctl's one-file CommonJS bundle (scripts/bundle-fleetctl.mjs).
 */
import { createRequire } from 'node:module';
import type * as Wire from '@bufbuild/protobuf/wire';

const require = createRequire(import.meta.url);
const binaryEncoding = require.resolve('@bufbuild/protobuf/wire').replace(/index\.js$/, 'binary-encoding.js');
const wire = require(binaryEncoding) as Pick<typeof Wire, 'BinaryReader' | 'BinaryWriter'>;

export const BinaryReader = wire.BinaryReader;
export type BinaryReader = Wire.BinaryReader;
export const BinaryWriter = wire.BinaryWriter;
export type BinaryWriter = Wire.BinaryWriter;
