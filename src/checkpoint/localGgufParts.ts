/**
 * The parts of a GGUF model split over local files (`…-00001-of-00003.gguf` beside
 * `…-00002-of-00003.gguf`…), named as llama.cpp names them (ggufSplits.ts), for readGgufSplits.
 */
import { UserError } from '../core/errors.js';
import { fileSource } from './fileSource.js';
import { type OpenPart, type PartSource, splitName, splitPartName } from './ggufSplits.js';
import { isFile } from './storeDirs.js';

/** A local file whose errors name it `shown` (a store's model by its label and relative path). */
export function shownSource(path: string, shown: string): PartSource {
  return { ...fileSource(path), label: shown };
}

/**
 * Opens the other parts of the split model whose first file is `first`; `shown` is how messages
 * name that file. A missing part is a UserError naming it; a first file whose name is not a split
 * part's cannot have parts (llama.cpp: "invalid split file name").
 */
export function localParts(first: string, shown: string, label: string): OpenPart {
  return (index, count) => {
    const split = splitName(first);
    if (split === null || split.count !== count)
      throw new UserError(
        `${label}: ${shown} says it is the first of ${count} parts, but its name is not <name>-00001-of-${String(count).padStart(5, '0')}.gguf, so the other parts cannot be found`,
      );
    const path = splitPartName(split.prefix, index, count);
    const partShown = splitPartName(splitName(shown)?.prefix ?? shown, index, count);
    if (!isFile(path))
      throw new UserError(`${label}: part ${index} of ${count} of the split model (${partShown}) is missing`);
    return shownSource(path, shown === first ? path : `${label}: ${partShown}`);
  };
}
