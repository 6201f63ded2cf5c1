/**
 * The size limits of every package's source, checked with the TypeScript parser: no file over
 * 400 lines, no function over 120 lines, no function with more than 4 positional parameters
 * (an options object counts as one). Pure over a file map (path → source) so a test can plant an
 * oversized file or function in memory; `readSources` in layers/check-layers.ts reads one from disk.
 */
import ts from 'typescript';

export const LIMITS = { fileLines: 400, functionLines: 120, parameters: 4 } as const;

export interface SizeViolation {
  /** `file:line`, with the path as given in the map. */
  at: string;
  message: string;
}

/** Lines of a file as an editor counts them (a final newline ends the last line, adds none). */
function lineCount(source: string): number {
  const lines = source.split('\n').length;
  return source.endsWith('\n') ? lines - 1 : lines;
}

/** `foo`, `Class.method`, `(arrow)`: enough for a reader to find the function at the line. */
function nameOf(node: ts.SignatureDeclaration): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name && ts.isStringLiteral(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  return ts.isArrowFunction(node) ? '(arrow function)' : '(function)';
}

/** Over-limit files, functions and parameter lists in every file of the map. */
export function checkSizes(sources: ReadonlyMap<string, string>): SizeViolation[] {
  const violations: SizeViolation[] = [];
  for (const [file, source] of sources) {
    const lines = lineCount(source);
    if (lines > LIMITS.fileLines) {
      violations.push({
        at: `${file}:1`,
        message: `${lines} lines, more than ${LIMITS.fileLines}: split it by responsibility`,
      });
    }
    const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
    const lineOf = (pos: number) => tree.getLineAndCharacterOfPosition(pos).line + 1;
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const name = nameOf(node);
        const start = lineOf(node.getStart(tree));
        const length = lineOf(node.getEnd()) - start + 1;
        if (length > LIMITS.functionLines) {
          violations.push({
            at: `${file}:${start}`,
            message: `${name} is ${length} lines, more than ${LIMITS.functionLines}`,
          });
        }
        const positional = node.parameters.filter(
          (parameter) => !(ts.isIdentifier(parameter.name) && parameter.name.text === 'this'),
        ).length;
        if (positional > LIMITS.parameters) {
          violations.push({
            at: `${file}:${start}`,
            message: `${name} takes ${positional} positional parameters, more than ${LIMITS.parameters}: pass an object`,
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(tree);
  }
  return violations;
}
