// Authorisation is attached once per scope (scope(role, routes) in the auth plugin), and a
// route reads its caller through caller(request) (on a public route caller(request, 'public'),
// which may be anonymous): no route checks a role itself or reads the principal another way,
// and caller() is the one accessor of the caller in the whole API.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

const root = join(import.meta.dirname, '../..');
const routesDir = join(root, 'services/api/src/routes');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

void t.test('no route checks a role or reads the principal itself', async (t) => {
  const routeFiles = files(routesDir);
  t.ok(routeFiles.length > 10, 'the route files are found');
  for (const file of routeFiles) {
    const text = readFileSync(file, 'utf8');
    const name = relative(root, file);
    t.notMatch(text, /requireRole\(/, `${name}: no per-route role check (register the route in a scope)`);
    t.notMatch(text, /request\.principal\b/, `${name}: the caller is read with caller(request)`);
    t.notMatch(text, /\bauthenticate\(/, `${name}: no authentication of its own`);
  }
  const scoped = routeFiles.filter((f) => /\bscope\('(reader|manager|admin)'/.test(readFileSync(f, 'utf8')));
  t.ok(scoped.length > 0, 'protected routes are registered in scopes');
});

void t.test('caller() in the auth plugin is the one accessor of the caller in the API', async (t) => {
  const apiDir = join(root, 'services/api/src');
  const auth = join(apiDir, 'plugins/auth.ts');
  const sources = files(apiDir).filter((f) => f !== auth);
  t.ok(sources.length > 20, 'the API source files are found');
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    const name = relative(root, file);
    t.notMatch(text, /request\.principal\b/, `${name}: the caller is read with caller(request)`);
    t.notMatch(text, /\bauthenticate\(/, `${name}: no authentication of its own`);
  }
  t.match(readFileSync(auth, 'utf8'), /export function caller\(request: FastifyRequest, access: 'public'\)/);
});
