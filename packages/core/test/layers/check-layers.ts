/**
 * The layer rule of core/src, checked on source text: an import may only point to a lower layer
 * (or within its own folder), and the adapters may import core only through its package
 * exports. Pure over a file map (path → source) so a test can plant a bad import in memory;
 * `readSources` builds the map from disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Lowest first. An entry ending in `/` is a folder of core/src, any other a file. Keep the table
 * in packages/core/README.md ("Layers") the same.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['text/', 'contracts/'],
  ['types.ts', 'errors.ts'],
  ['fs/', 'key/', 'pricing/', 'http/', 'image/'],
  ['config/', 'lock/'],
  ['scan/', 'store/', 'providers/'],
  ['plan/', 'derive/'],
  ['run/'],
  ['review/'],
  ['session.ts'],
  ['index.ts'],
];

export interface LayerViolation {
  /** `file:line`, root-relative to the tree checked. */
  at: string;
  specifier: string;
  message: string;
}

/** Root-relative POSIX path → source text of every `.ts` file below `dir`. */
export function readSources(dir: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        sources.set(path.relative(dir, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
      }
    }
  };
  walk(dir);
  return sources;
}

/** Every module specifier a file names (static, type-only, re-export, dynamic) with its line. */
export function importsOf(source: string): { specifier: string; line: number }[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((ref) => ({
    specifier: ref.fileName,
    line: source.slice(0, ref.pos).split('\n').length,
  }));
}

/** `plan/plan-jobs.ts` → `plan/`; a file at the top is its own group. */
function groupOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash + 1);
}

function layerOf(group: string): number {
  return LAYERS.findIndex((layer) => layer.includes(group));
}

/** Upward, sideways and unknown imports in core/src (paths relative to src). */
export function checkCoreLayers(sources: ReadonlyMap<string, string>): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const [file, source] of sources) {
    const from = groupOf(file);
    const fromLayer = layerOf(from);
    if (fromLayer === -1) {
      violations.push({
        at: file,
        specifier: '',
        message: `${from} is in no layer: add it to LAYERS and to the README's table`,
      });
      continue;
    }
    for (const { specifier, line } of importsOf(source)) {
      if (!specifier.startsWith('.')) continue;
      const target = path.posix
        .normalize(path.posix.join(path.posix.dirname(file), specifier))
        .replace(/\.js$/, '.ts');
      const at = `${file}:${line}`;
      if (target.startsWith('../')) {
        violations.push({ at, specifier, message: 'imports from outside core/src' });
        continue;
      }
      const to = groupOf(target);
      if (to === from) continue;
      const toLayer = layerOf(to);
      if (toLayer === -1) {
        violations.push({ at, specifier, message: `${to} is in no layer` });
      } else if (toLayer >= fromLayer) {
        const way = toLayer === fromLayer ? 'sideways' : 'upward';
        violations.push({
          at,
          specifier,
          message: `${way} import: ${from} (layer ${fromLayer}) may only import lower layers, ${to} is layer ${toLayer}`,
        });
      }
    }
  }
  return violations;
}

/**
 * An adapter's source (paths relative to its package) may name core only as `@herogen/core`
 * or one of its documented subpath exports, and may not reach out of its own folder.
 */
export function checkAdapterImports(
  sources: ReadonlyMap<string, string>,
  coreExports: readonly string[],
): LayerViolation[] {
  const allowed = new Set(
    coreExports
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? '@herogen/core' : `@herogen/core/${key.slice(2)}`)),
  );
  const violations: LayerViolation[] = [];
  for (const [file, source] of sources) {
    for (const { specifier, line } of importsOf(source)) {
      const at = `${file}:${line}`;
      if (specifier.startsWith('@herogen/core') && !allowed.has(specifier)) {
        violations.push({
          at,
          specifier,
          message: `not an export of @herogen/core (use one of ${[...allowed].join(', ')})`,
        });
      } else if (specifier.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
        if (target.startsWith('../')) {
          violations.push({ at, specifier, message: 'reaches out of the package source' });
        }
      }
    }
  }
  return violations;
}
