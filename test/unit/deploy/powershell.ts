/**
 * A PowerShell syntax check without PowerShell: the tree-sitter PowerShell grammar (npm tree-sitter-powershell,
 * airbus-cert; its WebAssembly build run by web-tree-sitter, so nothing native is built). It reports ERROR and
 * MISSING nodes (unbalanced braces, parens, here-strings, broken param blocks) and lists function definitions,
 * commands called, hashtable keys and switch labels for the checks in powershell.test.ts.
 *
 * The grammar is stricter than PowerShell in a few places; the scripts avoid these constructs rather than the
 * check ignoring errors: two switch clauses on one line, a command parameter name containing digits
 * (-Base64ClusterCA: splat a hashtable instead), a bare comma list as the last command argument of a file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Parser, Language, type Node } from 'web-tree-sitter';

let parser: Parser | undefined;

async function getParser(): Promise<Parser> {
  if (parser) return parser;
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
  const lang = await Language.load(readFileSync(wasm));
  parser = new Parser();
  parser.setLanguage(lang);
  return parser;
}

export interface PsFile {
  errors: string[];
  functions: Set<string>;
  /** Command names as written (static names only; `& $var` calls are dynamic and not listed). */
  commands: { name: string; line: number }[];
  root: Node;
}

function walk(n: Node, visit: (n: Node) => void): void {
  visit(n);
  for (const c of n.children) if (c) walk(c, visit);
}

export async function parsePs(text: string): Promise<PsFile> {
  const tree = (await getParser()).parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  const errors: string[] = [];
  const functions = new Set<string>();
  const commands: { name: string; line: number }[] = [];
  walk(tree.rootNode, (n) => {
    if (n.type === 'ERROR' || n.isMissing) errors.push(`line ${n.startPosition.row + 1}:${n.startPosition.column}: ${n.isMissing ? 'missing ' + n.type : 'syntax error near ' + JSON.stringify(n.text.slice(0, 60))}`);
    if (n.type === 'function_statement') {
      const name = n.namedChildren.find((c) => c?.type === 'function_name');
      if (name) functions.add(name.text.toLowerCase());
    }
    if (n.type === 'command') {
      const direct = n.namedChildren.find((c) => c?.type === 'command_name');
      const viaExpr = n.namedChildren.find((c) => c?.type === 'command_name_expr')?.namedChildren.find((c) => c?.type === 'command_name');
      const name = direct ?? viaExpr;
      if (name) commands.push({ name: name.text, line: name.startPosition.row + 1 });
    }
  });
  return { errors, functions, commands, root: tree.rootNode };
}

/** Descendants of a type. */
export function find(n: Node, type: string): Node[] {
  const out: Node[] = [];
  walk(n, (x) => { if (x.type === type) out.push(x); });
  return out;
}

/** Labels of every switch clause inside function `fn` (quotes removed; `default` excluded). */
export function switchLabels(file: PsFile, fn: string): string[] {
  const f = find(file.root, 'function_statement').find((x) => x.namedChildren.find((c) => c?.type === 'function_name')?.text.toLowerCase() === fn.toLowerCase());
  if (!f) return [];
  const outer = find(f, 'switch_statement')[0];
  if (!outer) return [];
  const body = outer.namedChildren.find((c) => c?.type === 'switch_body');
  const list = body?.namedChildren.find((c) => c?.type === 'switch_clauses');
  const clauses = list ? list.namedChildren.filter((c): c is Node => c?.type === 'switch_clause') : [];
  return clauses.map((c) => c.namedChildren.find((x) => x?.type === 'switch_clause_condition')?.text.replace(/^'|'$/g, '') ?? '').filter((t) => t !== 'default');
}

/** Keys of the hashtable literal assigned to `$name` (the scripts' planner parameters). */
export function hashKeys(file: PsFile, name: string): string[] {
  for (const a of find(file.root, 'assignment_expression')) {
    const left = a.namedChildren[0];
    if (left?.text.toLowerCase() !== name.toLowerCase()) continue;
    const hash = find(a, 'hash_literal_expression')[0];
    if (!hash) continue;
    const body = hash.namedChildren.find((c) => c?.type === 'hash_literal_body');
    return body ? body.namedChildren.filter((e): e is Node => e?.type === 'hash_entry').map((e) => e.namedChildren[0]!.text) : [];
  }
  return [];
}

/** Script parameter names (without $), from the script's top-level param block. */
export function scriptParams(file: PsFile): string[] {
  const block = file.root.namedChildren.find((c) => c?.type === 'param_block');
  return block ? find(block, 'script_parameter').map((p) => find(p, 'variable')[0]!.text.slice(1)) : [];
}
