import t from 'tap';
import { splitSqlStatements } from '../src/sql-split.js';

void t.test('splits on top-level semicolons only', async (t) => {
  t.same(splitSqlStatements('create table a (x int); insert into a values (1);'), [
    'create table a (x int)',
    'insert into a values (1)',
  ]);
  t.same(splitSqlStatements("insert into a values ('x;y'); select 1"), ["insert into a values ('x;y')", 'select 1']);
  t.same(splitSqlStatements("select 'it''s; fine'"), ["select 'it''s; fine'"]);
  t.same(splitSqlStatements('select "odd;name" from t;'), ['select "odd;name" from t']);
  t.same(splitSqlStatements('-- a comment; with a semicolon\nselect 1; -- trailing\n'), [
    '-- a comment; with a semicolon\nselect 1',
  ]);
  t.same(splitSqlStatements('/* block; /* nested; */ still; */ select 2;'), [
    '/* block; /* nested; */ still; */ select 2',
  ]);
});

void t.test('keeps dollar-quoted bodies whole', async (t) => {
  const fn = 'create function f() returns int language plpgsql as $$ begin return 1; end; $$';
  const tagged = "create function g() returns text language sql as $body$ select 'a;b'; $body$";
  t.same(splitSqlStatements(`${fn};\n${tagged};`), [fn, tagged]);
  t.same(
    splitSqlStatements('select $1; select 2'),
    ['select $1', 'select 2'],
    'a parameter placeholder is not a dollar quote',
  );
});

void t.test('drops empty and comment-only pieces', async (t) => {
  t.same(splitSqlStatements(';;  ;\n-- only a comment\n'), []);
  t.same(splitSqlStatements(''), []);
});

void t.test('E-strings take backslash escapes; a $ inside an identifier is not a dollar quote', async (t) => {
  t.same(splitSqlStatements("select E'it\\'s; here'; select 2"), ["select E'it\\'s; here'", 'select 2']);
  t.same(
    splitSqlStatements("select E'a''b;c', 'd\\'; select 3"),
    ["select E'a''b;c', 'd\\'", 'select 3'],
    'a plain string ends at its quote even after a backslash',
  );
  t.same(splitSqlStatements('select 1 as a$b$; select 2'), ['select 1 as a$b$', 'select 2']);
});
