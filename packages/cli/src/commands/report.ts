import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { collectReport, formatUsd, plural, readLock, writeFileAtomic } from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatBytes } from '../output/format-bytes.js';
import { renderReportHtml } from '../report/render-html.js';

export interface ReportFlags extends GlobalFlags {
  out?: string;
}

export const DEFAULT_REPORT_FILE = 'herogen-report.html';

/**
 * `herogen report`: a self-contained HTML contact sheet of every hero (thumbnail, source files,
 * prompt, model, provider, size, cost, date, status, earlier takes and candidates), or the same
 * data as JSON with `--json`. Reads only local files; never calls a provider.
 */
export async function reportCommand(flags: ReportFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  try {
    const plan = await session.plan();
    const lock = await readLock(session.lockPath);
    const data = await collectReport({
      root: session.root,
      outDir: session.layout.outDirRelative,
      plan,
      lock,
      thumbnails: !flags.json,
    });
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return EXIT.OK;
    }
    const target = flags.out
      ? path.resolve(io.cwd, flags.out)
      : path.join(session.root, DEFAULT_REPORT_FILE);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, renderReportHtml(data));
    const t = data.totals;
    const problems = [
      t.placeholder > 0 ? plural(t.placeholder, 'placeholder') : '',
      t.failed > 0 ? `${t.failed} failed` : '',
      t.missing > 0 ? `${t.missing} missing` : '',
      t.corrupt > 0 ? `${t.corrupt} corrupt` : '',
    ].filter(Boolean);
    io.stdout.write(
      `wrote ${path.relative(io.cwd, target) || target}: ${plural(t.images, 'image')}${problems.length > 0 ? ` (${problems.join(', ')})` : ''}, ${formatUsd(t.costUsd, t.costIsEstimate)} spent${t.refusedCostUsd > 0 ? `, ${formatUsd(t.refusedCostUsd)} billed for answers not stored` : ''}; originals ${formatBytes(t.originalsBytes)}${t.historyBytes > 0 ? ` (+ ${formatBytes(t.historyBytes)} of earlier takes)` : ''}\n`,
    );
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
