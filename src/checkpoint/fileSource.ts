/** A ByteSource over a local file (positioned reads; the file is never read whole). */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../model/errors.js';
import type { ByteSource } from './byteSource.js';

export function fileSource(path: string): ByteSource & { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message})`);
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
