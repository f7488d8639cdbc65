/** Local files: a ByteSource with positioned reads (never the whole file), and capped small reads. */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { ByteSource } from './byteSource.js';
import { errorCode, errorMessage } from './errorFields.js';

export function fileSource(path: string): ByteSource & { close(): void } {
  let fd: number;
  try {
    // Checkpoints are regular files; a FIFO would block the open forever.
    if (!statSync(path).isFile()) throw new UserError(`${path}: not a regular file`);
    fd = openSync(path, 'r');
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = errorCode(error);
    throw new UserError(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : (code ?? errorMessage(error))})`);
  }
  const stat = fstatSync(fd);
  if (stat.isDirectory()) {
    closeSync(fd);
    throw new UserError(`${path}: is a directory, not a file`);
  }
  return {
    label: path,
    size: stat.size,
    read: async (offset, length) => {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, stat.size - offset)));
      let done = 0;
      while (done < buffer.length) {
        const got = readSync(fd, buffer, done, buffer.length - done, offset + done);
        if (got === 0) break;
        done += got;
      }
      return buffer.subarray(0, done);
    },
    close: () => closeSync(fd),
  };
}

/**
 * Reads at most `maxBytes + 1` bytes of a regular file or a character device (which report size
 * 0: /dev/null, /dev/zero). Opened without blocking and checked before any read, so a FIFO or a
 * socket fails at once (code ENOTREG) instead of waiting for a writer that never comes.
 */
export function readFileCapped(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error(`${path}: a directory`), { code: 'EISDIR' });
    if (!stat.isFile() && !stat.isCharacterDevice())
      throw Object.assign(new Error(`${path}: not a regular file`), { code: 'ENOTREG' });
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const got = readSync(fd, buffer, length, buffer.length - length, null);
      if (got === 0) break;
      length += got;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
