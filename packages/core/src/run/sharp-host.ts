/**
 * The entry point of herogen's image process (see image/sharp-process.ts): started by core
 * with glibc's malloc bounded, it runs the sharp operations that decode and encode pixels.
 * Not imported by anything; built as its own file by scripts/bundle.mjs.
 */
import {
  analyzeOriginalHere,
  configureSharpHere,
  encodeTransformHere,
  encodeTransformToHere,
} from '../derive/encode.js';
import { loadSharp } from '../image/load-sharp.js';
import { serveSharpHost } from '../image/sharp-process.js';
import { convertHere } from '../store/convert-image.js';
import { inspectImageHere } from '../store/inspect-image.js';

// Nothing here reads an image twice in a row: libvips' operation cache would only hold memory.
loadSharp().then(
  (sharp) => sharp.cache(false),
  () => undefined,
);
serveSharpHost({
  analyze: analyzeOriginalHere,
  configure: configureSharpHere,
  convert: convertHere,
  encode: encodeTransformHere,
  encodeTo: encodeTransformToHere,
  inspect: inspectImageHere,
});
