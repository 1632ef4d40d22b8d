// A private PostgreSQL cluster for tests and CI: initdb in a temporary folder, run by an
// unprivileged user (initdb and pg_ctl refuse root), on a free loopback port with trust
// authentication for 127.0.0.1 only, so that nothing outside this machine can reach it.
//
//   node scripts/postgres-cluster.mjs start [--listen ADDR,...] [--trust CIDR,...]
//       prints the URL; the cluster runs until stop. --listen adds addresses beside 127.0.0.1
//       (the host side of veth pairs, for tests whose hosts are network namespaces), and
//       --trust lets clients from those networks in
//   node scripts/postgres-cluster.mjs stop URL|DIR   stops it and removes its folder
//   node scripts/postgres-cluster.mjs run -- CMD...  runs CMD with TUNE_TEST_POSTGRES set: to a
//       private cluster started for it (stopped after, also on failure or Ctrl-C), or, when
//       TUNE_TEST_POSTGRES is set already, to that server, started by nobody here
//
// Binaries: $TUNE_PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian's `postgresql`),
// else initdb on the PATH.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Folders of this script's clusters start with it; a marker file inside proves they are ours. */
const PREFIX = 'tune-pg-';
const MARKER = 'tune-postgres-cluster';
/** The superuser initdb creates, who owns the test databases. */
const SUPERUSER = 'tune';
/** The unprivileged account that runs the server when this script runs as root. */
const DEFAULT_ACCOUNT = 'postgres';
const FALLBACK_ACCOUNT = 'tune-postgres';
/** A port picked free can be taken before the server binds it: try a few. */
const PORT_TRIES = 5;
const START_TIMEOUT_S = 60;
// A throwaway cluster: durability is worth nothing, and fsync on a shared 2-core machine costs
// seconds per test file. Connections: the tests open several pools of a few clients each.
const SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '150' };

function fail(message) {
  console.error(`tune: postgres cluster: ${message}`);
  process.exit(2);
}

/** The folder that holds initdb and pg_ctl, or undefined. */
function binaries() {
  if (process.env.TUNE_PG_BIN) return process.env.TUNE_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return which.status === 0 ? join(which.stdout.trim(), '..') : undefined;
}

/** uid and gid of `name`, or undefined when there is no such account. */
function account(name) {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return uid.status === 0 && gid.status === 0 ? { name, uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
}

/** Who runs the server: this process unless it is root, else `postgres` (created if missing). */
function serverAccount() {
  if (process.getuid() !== 0) return undefined;
  const found = account(DEFAULT_ACCOUNT) ?? account(FALLBACK_ACCOUNT);
  if (found) return found;
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', FALLBACK_ACCOUNT], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`no unprivileged account to run the server, and useradd ${FALLBACK_ACCOUNT} failed: ${made.stderr.trim()}`);
  return account(FALLBACK_ACCOUNT);
}

/** Runs a PostgreSQL binary as the server's account; throws with its output when it fails. */
function pg(bin, user, tool, args) {
  const command = user ? ['runuser', ['-u', user.name, '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const run = spawnSync(command[0], command[1], { encoding: 'utf8', cwd: tmpdir() });
  if (run.error) throw new Error(`${tool}: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`${tool} exited ${run.status}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return run.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Stops the cluster in `folder` (whatever state it is in) and removes the folder. */
function stop(folder) {
  if (!existsSync(join(folder, MARKER))) fail(`${folder}: is not a folder of this script's (no ${MARKER} file); nothing removed`);
  const data = join(folder, 'data');
  const pidFile = join(data, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const bin = binaries();
    try {
      if (!bin) throw new Error('no PostgreSQL binaries');
      pg(bin, serverAccount(), 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // pg_ctl gone or refusing: the postmaster's pid is the first line of its pid file.
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGQUIT');
    }
  }
  rmSync(folder, { recursive: true, force: true });
}

/** Stops clusters whose owning `run` died without stopping them (kill -9 of the wrapper). */
function sweep() {
  for (const name of readdirSync(tmpdir())) {
    const folder = join(tmpdir(), name);
    if (!name.startsWith(PREFIX) || !existsSync(join(folder, MARKER))) continue;
    const owner = Number(readFileSync(join(folder, MARKER), 'utf8').trim());
    if (owner > 0 && !alive(owner)) stop(folder);
  }
}

/**
 * Makes and starts a cluster; returns its URL and folder. `owner`: the pid whose death lets a
 * later start remove it (0 for a cluster kept until `stop`).
 */
async function start(owner, extra = { listen: [], trust: [] }) {
  const bin = binaries();
  if (!bin) throw new Error("no PostgreSQL binaries (install Debian's postgresql, or set TUNE_PG_BIN to the folder of initdb)");
  sweep();
  const user = serverAccount();
  const folder = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(folder, MARKER), `${owner}\n`);
  try {
    if (user) chownSync(folder, user.uid, user.gid);
    const data = join(folder, 'data');
    pg(bin, user, 'initdb', ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Only TCP on loopback: no socket file in a shared folder, no other address, no other host.
    // Both files exist (initdb wrote them), so they keep the server account as their owner.
    const trusted = ['127.0.0.1/32', ...extra.trust].map((net) => `host all all ${net} trust\n`);
    writeFileSync(join(data, 'pg_hba.conf'), trusted.join(''));
    const settings = { ...SETTINGS, listen_addresses: ['127.0.0.1', ...extra.listen].join(','), unix_socket_directories: '' };
    const conf = Object.entries(settings).map(([key, value]) => `${key} = '${value}'`);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(join(data, 'postgresql.auto.conf'), [...conf, `port = ${port}`, ''].join('\n'));
      try {
        pg(bin, user, 'pg_ctl', ['-D', data, '-l', join(folder, 'server.log'), '-w', '-t', String(START_TIMEOUT_S), 'start']);
      } catch (err) {
        const log = existsSync(join(folder, 'server.log')) ? readFileSync(join(folder, 'server.log'), 'utf8') : '';
        if (attempt < PORT_TRIES && /could not bind|Address already in use/.test(log)) continue;
        throw new Error(`${err.message}; server log: ${log.trim().split('\n').slice(-3).join(' | ')}`);
      }
      const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
      writeFileSync(join(folder, 'url'), `${url}\n`);
      return { url, folder };
    }
  } catch (err) {
    stop(folder);
    throw err;
  }
}

/** The folder of the cluster at `url`, found among this script's folders. */
function folderOf(url) {
  for (const name of readdirSync(tmpdir())) {
    const file = join(tmpdir(), name, 'url');
    if (name.startsWith(PREFIX) && existsSync(file) && readFileSync(file, 'utf8').trim() === url) return join(tmpdir(), name);
  }
  return fail(`${url}: no cluster of this script's has this URL (folders ${join(tmpdir(), PREFIX)}*)`);
}

/**
 * Runs `command` with TUNE_TEST_POSTGRES set, and stops the cluster it started after, however
 * the command ends. Ctrl-C reaches the command through the terminal; SIGTERM and SIGHUP are
 * passed on. Where no cluster can start, the command still runs, so that the tests that need
 * none give their results, and TUNE_TEST_POSTGRES_UNAVAILABLE tells the others why they fail.
 */
async function run(command) {
  if (command.length === 0) fail('run: give the command after --');
  const env = { ...process.env };
  let cluster;
  if (!env.TUNE_TEST_POSTGRES) {
    try {
      cluster = await start(process.pid);
      env.TUNE_TEST_POSTGRES = cluster.url;
      console.error(`tune: postgres cluster: ${cluster.url} in ${cluster.folder}`);
    } catch (err) {
      env.TUNE_TEST_POSTGRES_UNAVAILABLE = `the private cluster did not start: ${err.message}`;
      console.error(`tune: postgres cluster: did not start, so the PostgreSQL tests will fail: ${err.message}`);
    }
  }
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
  const pass = (signal) => () => child.kill(signal);
  process.on('SIGINT', () => {}); // the child has it too; the cluster stops once it has ended
  process.on('SIGTERM', pass('SIGTERM'));
  process.on('SIGHUP', pass('SIGHUP'));
  const code = await new Promise((resolve) => {
    child.on('error', (err) => (console.error(`tune: postgres cluster: ${command[0]}: ${err.message}`), resolve(127)));
    child.on('exit', (status, signal) => resolve(status ?? 128 + ({ SIGINT: 2, SIGHUP: 1, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 0)));
  });
  if (cluster) stop(cluster.folder);
  process.exit(code);
}

const [verb, ...rest] = process.argv.slice(2);
if (verb === 'start') {
  const extra = { listen: [], trust: [] };
  for (let i = 0; i < rest.length; i += 2) {
    const list = { '--listen': extra.listen, '--trust': extra.trust }[rest[i]];
    if (!list || rest[i + 1] === undefined) fail(`start: unknown option ${rest[i]} (usage: start [--listen ADDR,...] [--trust CIDR,...])`);
    list.push(...rest[i + 1].split(',').filter((x) => /^[0-9a-f.:/]+$/i.test(x) || fail(`start: ${rest[i]}: not an address: ${x}`)));
  }
  try {
    const { url, folder } = await start(0, extra);
    console.log(url);
    console.error(`tune: postgres cluster: in ${folder}; stop it with: node scripts/postgres-cluster.mjs stop ${url}`);
  } catch (err) {
    fail(err.message);
  }
} else if (verb === 'stop' && rest.length === 1) {
  stop(rest[0].includes('://') ? folderOf(rest[0]) : rest[0]);
} else if (verb === 'run') {
  await run(rest[0] === '--' ? rest.slice(1) : rest);
} else {
  fail('usage: postgres-cluster.mjs start | stop URL|DIR | run -- COMMAND...');
}
