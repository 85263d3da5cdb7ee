// Where an export goes. A local file is written as it is produced (a stream, nothing held); any other place the
// user picked (a remote or virtual workspace's file system) is written through the host in one go at the end, so
// a cancelled export leaves nothing behind there either.

import { createWriteStream } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { Writable } from 'node:stream';

/** A place outside the local file system, written through the host (VS Code's `workspace.fs`). */
export interface ExportDestination {
  /** How the place is named to the user (its URI). */
  readonly label: string;
  /** Writes the whole export; called once, only after the export completed. */
  writeAll(bytes: Uint8Array): Promise<void>;
}

/** A local file system path, or a destination written through the host. */
export type ExportTarget = string | ExportDestination;

export interface OpenedExport {
  readonly out: Writable;
  readonly label: string;
  /** After a complete write: makes the export visible where it goes. */
  commit(): Promise<void>;
  /** After a cancel or a failure: nothing half-written is left. */
  discard(): Promise<void>;
}

/** How a target is named to the user. */
export function exportLabel(target: ExportTarget): string {
  return typeof target === 'string' ? target : target.label;
}

/** Writes bytes already whole (a chart image) to a target: the local file, or through the host. */
export async function writeWholeExport(target: ExportTarget, bytes: Uint8Array): Promise<void> {
  if (typeof target === 'string') await writeFile(target, bytes);
  else await target.writeAll(bytes);
}

export function openExport(target: ExportTarget): OpenedExport {
  if (typeof target === 'string') {
    const out = createWriteStream(target, { encoding: 'utf8' });
    return {
      out,
      label: exportLabel(target),
      commit: async () => undefined,
      discard: async () => {
        // Once the stream has let go of the file.
        if (!out.closed) await once(out, 'close');
        await unlink(target).catch(() => undefined);
      },
    };
  }
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, encoding, callback) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
      callback();
    },
  });
  return {
    out,
    label: exportLabel(target),
    commit: () => writeWholeExport(target, Buffer.concat(chunks)),
    discard: async () => {
      chunks.length = 0;
    },
  };
}
