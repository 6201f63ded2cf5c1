import {
  applyPrune,
  describeFields,
  fieldsToScan,
  formatUsd,
  listUntracked,
  type PruneItem,
  planPrune,
  plural,
  readLock,
  referencedKeys,
  screenPrune,
  type TamperedItem,
} from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { noHeroesError } from '../no-heroes.js';
import { formatBytes } from '../output/format-bytes.js';
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
 * never deleted. Lock entries naming files that are not herogen's own originals (outside
 * `outDir`, misnamed, symlinked out, or with other bytes than recorded) are reported as
 * tampered and left alone (exit 1). Refuses to run when any content file has an error (a
 * partial view would list images that are in use).
 */
export async function pruneCommand(flags: PruneFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  try {
    const plan = await session.plan();
    const lock = await readLock(session.lockPath);
    const mismatch = noHeroesError(session, plan.jobs.length, plan.files, lock);
    if (mismatch) throw mismatch;
    // Fields the lock recorded but the config no longer names (`heroImage` → `hero`): content
    // still using them keeps its images.
    const fields = fieldsToScan(lock, session.config.field);
    const scanned =
      fields.length > session.config.field.length ? await session.plan({ fields }) : plan;
    const referenced = referencedKeys(scanned.jobs, session.config, session.registry);
    const pruned = planPrune(lock, referenced, session.layout.outDirRelative, {
      history: flags.history === true,
      variants: flags.variants === true,
    });
    const untracked = await listUntracked(session.root, session.layout.outDir, lock);
    const where = { root: session.root, outDir: session.layout.outDir };
    const screened = await screenPrune(pruned.remove, where);
    const outcome = flags.yes
      ? await applyPrune(screened.ok, { ...where, lockPath: session.lockPath })
      : undefined;
    const deleted = outcome?.removed;
    const remove = screened.ok;
    const tampered = [...screened.tampered, ...(outcome?.tampered ?? [])];
    const exit = tampered.length > 0 ? EXIT.FAILED : EXIT.OK;
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            dryRun: !flags.yes,
            remove,
            ...(deleted ? { deleted } : {}),
            tampered,
            kept: pruned.kept,
            untracked,
          },
          null,
          2,
        )}\n`,
      );
      return exit;
    }
    const out = io.stdout;
    const extra = fields.slice(session.config.field.length);
    if (extra.length > 0) {
      out.write(
        `also scanned ${describeFields(extra)}: the lock records images asked from ${extra.length === 1 ? 'that field' : 'those fields'}, and content still using ${extra.length === 1 ? 'it' : 'them'} keeps them\n`,
      );
    }
    if (remove.length === 0) {
      out.write(
        tampered.length > 0
          ? 'nothing herogen may delete\n'
          : 'nothing to prune: every original in the lock is used by some content\n',
      );
    } else {
      out.write(
        `${formatTable(
          ['kind', 'file', 'size', 'created', 'cost'],
          remove.map((item) => [
            item.placeholder ? `${item.kind} (placeholder)` : item.kind,
            item.file,
            formatBytes(item.bytes),
            item.createdAt.slice(0, 10),
            formatUsd(item.costUsd),
          ]),
        )}\n`,
      );
      const bytes = total(remove);
      if (deleted) {
        out.write(
          `deleted ${plural(deleted.length, 'file')} (${formatBytes(total(deleted))}) and their lock entries\n`,
        );
        if (deleted.length < remove.length) {
          out.write(
            `${remove.length - deleted.length} changed while pruning (a new take or another process) and were kept\n`,
          );
        }
      } else {
        out.write(
          `dry run: ${plural(remove.length, 'file')} (${formatBytes(bytes)}) would be deleted; run \`herogen prune --yes\` to delete them (git keeps committed ones recoverable)\n`,
        );
      }
    }
    const kept: string[] = [];
    if (pruned.kept.candidates > 0)
      kept.push(`${pruned.kept.candidates} variant candidate(s) (add --variants)`);
    if (pruned.kept.history > 0)
      kept.push(`${pruned.kept.history} earlier take(s) (add --history)`);
    if (kept.length > 0) out.write(`kept: ${kept.join(', ')}\n`);
    writeTampered(out, tampered);
    if (untracked.length > 0) {
      out.write(
        `not in the lock, left alone (delete by hand if you do not need them):\n${untracked.map((file) => `  ${file}`).join('\n')}\n`,
      );
    }
    return exit;
  } finally {
    await session.close();
  }
}

function writeTampered(out: CliIO['stdout'], tampered: readonly TamperedItem[]): void {
  if (tampered.length === 0) return;
  out.write(
    `${tampered.length} lock entr${tampered.length === 1 ? 'y names a file' : 'ies name files'} that herogen does not trust as its own; left alone, file and lock entry:\n`,
  );
  for (const item of tampered) out.write(`  tampered ${item.file} (${item.key}): ${item.why}\n`);
  out.write('  fix or remove these lock entries by hand (was the lock edited?)\n');
}

function total(items: readonly PruneItem[]): number {
  return items.reduce((sum, item) => sum + item.bytes, 0);
}
