import {
  applyPrune,
  formatUsd,
  listUntracked,
  type PruneItem,
  planPrune,
  plural,
  readLock,
  referencedKeys,
} from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { noHeroesError } from '../no-heroes.js';
import { formatTable } from '../output/table.js';

export interface PruneFlags extends GlobalFlags {
  yes?: boolean;
  history?: boolean;
  variants?: boolean;
}

/**
 * `herogen prune`: list originals that no content references (under any provider a machine
 * could use), and delete them only with `--yes`. Earlier takes (`--history`) and variant
 * candidates (`--variants`) are kept unless asked for. Files the lock does not know are listed,
 * never deleted. Refuses to run when any content file has an error (a partial view would list
 * images that are in use).
 */
export async function pruneCommand(flags: PruneFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  try {
    const plan = await session.plan();
    const lock = await readLock(session.lockPath);
    const mismatch = noHeroesError(session, plan.jobs.length, plan.files, lock);
    if (mismatch) throw mismatch;
    const referenced = referencedKeys(plan.jobs, session.config, session.registry);
    const pruned = planPrune(lock, referenced, session.config.outDir, {
      history: flags.history === true,
      variants: flags.variants === true,
    });
    const untracked = await listUntracked(session.root, session.config.outDir, lock);
    const deleted = flags.yes
      ? await applyPrune(pruned.remove, { root: session.root, lockPath: session.lockPath })
      : undefined;
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            dryRun: !flags.yes,
            remove: pruned.remove,
            ...(deleted ? { deleted } : {}),
            kept: pruned.kept,
            untracked,
          },
          null,
          2,
        )}\n`,
      );
      return EXIT.OK;
    }
    const out = io.stdout;
    if (pruned.remove.length === 0) {
      out.write('nothing to prune: every original in the lock is used by some content\n');
    } else {
      out.write(
        `${formatTable(
          ['kind', 'file', 'size', 'created', 'cost'],
          pruned.remove.map((item) => [
            item.placeholder ? `${item.kind} (placeholder)` : item.kind,
            item.file,
            formatBytes(item.bytes),
            item.createdAt.slice(0, 10),
            formatUsd(item.costUsd),
          ]),
        )}\n`,
      );
      const bytes = total(pruned.remove);
      if (deleted) {
        out.write(
          `deleted ${plural(deleted.length, 'file')} (${formatBytes(total(deleted))}) and their lock entries\n`,
        );
        if (deleted.length < pruned.remove.length) {
          out.write(
            `${pruned.remove.length - deleted.length} changed while pruning (a new take or another process) and were kept\n`,
          );
        }
      } else {
        out.write(
          `dry run: ${plural(pruned.remove.length, 'file')} (${formatBytes(bytes)}) would be deleted; run \`herogen prune --yes\` to delete them (git keeps committed ones recoverable)\n`,
        );
      }
    }
    const kept: string[] = [];
    if (pruned.kept.candidates > 0)
      kept.push(`${pruned.kept.candidates} variant candidate(s) (add --variants)`);
    if (pruned.kept.history > 0)
      kept.push(`${pruned.kept.history} earlier take(s) (add --history)`);
    if (kept.length > 0) out.write(`kept: ${kept.join(', ')}\n`);
    if (untracked.length > 0) {
      out.write(
        `not in the lock, left alone (delete by hand if you do not need them):\n${untracked.map((file) => `  ${file}`).join('\n')}\n`,
      );
    }
    return EXIT.OK;
  } finally {
    await session.close();
  }
}

function total(items: readonly PruneItem[]): number {
  return items.reduce((sum, item) => sum + item.bytes, 0);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
