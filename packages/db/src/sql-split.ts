/**
 * Splits a SQL script into statements on top-level semicolons, skipping those in
 * quotes, quoted identifiers, dollar-quoted bodies and comments. PGlite's query
 * path takes one statement at a time, and pg's simple protocol would hide which
 * statement of a migration failed. Not understood: SQL-standard function bodies
 * (BEGIN ATOMIC ... END); write function bodies as dollar-quoted strings.
 */
function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$]/.test(ch);
}

export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  while (i < n) {
    const ch = script[i];
    const next = script[i + 1];
    if (ch === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (script[i] === '/' && script[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (script[i] === '*' && script[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if ((ch === 'E' || ch === 'e') && next === "'" && !isIdentifierChar(script[i - 1])) {
      // E'...' strings take backslash escapes: E'it\'s' is one string.
      i += 2;
      while (i < n) {
        if (script[i] === '\\') {
          i += 2;
          continue;
        }
        if (script[i] === "'") {
          if (script[i + 1] === "'") {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      i++;
    } else if (ch === "'" || ch === '"') {
      i++;
      while (i < n) {
        if (script[i] === ch) {
          if (script[i + 1] === ch) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      i++;
    } else if (ch === '$' && !isIdentifierChar(script[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i));
      if (tag) {
        const end = script.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? n : end + tag[0].length;
      } else i++;
    } else if (ch === ';') {
      push(script.slice(start, i));
      start = ++i;
    } else i++;
  }
  push(script.slice(start));
  return statements;

  function push(text: string) {
    const withoutComments = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim();
    if (withoutComments) statements.push(text.trim());
  }
}
