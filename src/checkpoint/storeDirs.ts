/**
 * What the local model stores (Ollama, LM Studio) share: the home directory as Go's
 * os.UserHomeDir and Node's os.homedir find it from the environment ($HOME, else %USERPROFILE%),
 * a directory shown short in messages (`~/…`, never more than SHOWN_MAX characters), and small
 * files read whole or found absent.
 */
import { statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { ownValue } from '../core/ownKey.js';
import { errorCode } from './errorFields.js';
import { readFileCapped } from './fileSource.js';

/** A store's directory and how messages show it. */
export interface StoreDir {
  path: string;
  shown: string;
}

/** Longest directory shown in a message; a longer one keeps its end. */
const SHOWN_MAX = 100;

export function homeDir(env: Readonly<Record<string, string | undefined>>): string | null {
  return env.HOME || env.USERPROFILE || null;
}

/** `path` for a message: `~/…` under the home directory, at most SHOWN_MAX characters (main escapes control characters). */
export function shownPath(path: string, env: Readonly<Record<string, string | undefined>>): string {
  const home = homeDir(env);
  const short = home !== null && path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
  const capped = short.length > SHOWN_MAX ? `…${short.slice(-(SHOWN_MAX - 1))}` : short;
  return capped;
}

/** A store directory at `path`, shown as `shown` when given, else by shownPath. */
export function storeDir(path: string, env: Readonly<Record<string, string | undefined>>, shown?: string): StoreDir {
  return { path, shown: shown ?? shownPath(path, env) };
}

/** Whether `path` is a directory (false when absent or unreadable). */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `path` is a regular file (false when absent or unreadable). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Why a file could not be read, in words. */
const READ_FAILURES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOTREG: 'not a regular file',
};

/**
 * A small text file (at most `maxBytes`), or null when it does not exist; a UserError starting
 * with `label` when it cannot be read or is larger.
 */
export function readSmallText(path: string, maxBytes: number, label: string): string | null {
  let bytes: Buffer;
  try {
    bytes = readFileCapped(path, maxBytes);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return null;
    if (code === undefined) throw error;
    throw new UserError(`${label}: cannot read (${ownValue(READ_FAILURES, code) ?? code})`);
  }
  if (bytes.length > maxBytes) throw new UserError(`${label}: larger than ${maxBytes} bytes; not what it should be`);
  return bytes.toString('utf8');
}
