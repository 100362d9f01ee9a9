// flow.mjs - one WebAuthn registration and N logins, performed by a real headless
// Chromium with a CDP virtual authenticator, against options made by mfactl,
// whose answers mfactl then verifies. Every options/response pair is written to
// --out, so the same run is a live test and a fixture recording.
//
// usage: node flow.mjs --mfactl PATH --config FILE --user USER --port PORT --out DIR
//                      [--protocol ctap2|u2f] [--uv] [--resident] [--logins N]
//                      [--label L] [--chromium PATH]
// Exit status: 0 all ceremonies done and accepted by mfactl, 1 any failure,
// 2 usage error.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const PAGE_TIMEOUT_MS = 15000;
const RUN_TIMEOUT_MS = 60000;
const CLOSE_TIMEOUT_MS = 5000;

const USAGE = 'usage: node flow.mjs --mfactl PATH --config FILE --user USER --port PORT --out DIR\n' +
	'                    [--protocol ctap2|u2f] [--uv] [--resident] [--logins N] [--label L] [--chromium PATH]\n' +
	'                    [--attestation none|direct]';

function usageError(msg) {
	process.stderr.write(`flow.mjs: ${msg}\n${USAGE}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const a = { protocol: 'ctap2', uv: false, resident: false, logins: 1, chromium: '/usr/bin/chromium', label: null,
		attestation: null };
	const valued = { '--mfactl': 'mfactl', '--config': 'config', '--user': 'user', '--port': 'port',
		'--out': 'out', '--protocol': 'protocol', '--logins': 'logins', '--label': 'label', '--chromium': 'chromium',
		'--attestation': 'attestation' };
	for (let i = 0; i < argv.length; i++) {
		const k = argv[i];
		if (k === '--uv') a.uv = true;
		else if (k === '--resident') a.resident = true;
		else if (k === '-h' || k === '--help') { process.stdout.write(USAGE + '\n'); process.exit(0); }
		else if (k in valued) {
			if (i + 1 >= argv.length) usageError(`${k} needs a value`);
			a[valued[k]] = argv[++i];
		} else usageError(`unknown argument '${k}'`);
	}
	for (const k of ['mfactl', 'config', 'user', 'port', 'out'])
		if (a[k] === undefined || a[k] === '') usageError(`--${k} is required`);
	if (!/^\d+$/.test(String(a.port)) || +a.port < 1 || +a.port > 65535) usageError(`--port '${a.port}' is not a port`);
	a.port = +a.port;
	if (!/^\d+$/.test(String(a.logins)) || +a.logins < 1 || +a.logins > 20) usageError(`--logins '${a.logins}' must be 1 to 20`);
	a.logins = +a.logins;
	if (a.attestation !== null && a.attestation !== 'none' && a.attestation !== 'direct')
		usageError(`--attestation must be none or direct, not '${a.attestation}'`);
	if (a.protocol !== 'ctap2' && a.protocol !== 'u2f') usageError(`--protocol must be ctap2 or u2f, not '${a.protocol}'`);
	// A U2F (CTAP1) authenticator has neither user verification nor resident keys.
	if (a.protocol === 'u2f' && (a.uv || a.resident)) usageError('--uv and --resident need --protocol ctap2');
	return a;
}

const args = parseArgs(process.argv.slice(2));
const origin = `http://localhost:${args.port}`;

function log(msg) { process.stderr.write(`flow.mjs: ${msg}\n`); }

class FlowError extends Error {}

// withTimeout(promise, ms, what): the promise's value, or a FlowError naming
// what took too long.
function withTimeout(promise, ms, what) {
	let timer;
	const t = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new FlowError(`${what}: no answer within ${ms / 1000} s`)), ms);
	});
	return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// mfactl(sub, input): runs `mfactl --config CFG webauthn SUB USER ...` with input
// on stdin; resolves to {code, stdout, stderr}.
function mfactl(words, input) {
	const argv = ['--config', args.config, 'webauthn', ...words];
	const shown = `mfactl ${argv.join(' ')}`;
	return withTimeout(new Promise((resolve, reject) => {
		let child;
		try {
			// Its own process group, so that a timeout can end whatever it started.
			child = spawn(args.mfactl, argv, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
		} catch (e) {
			reject(new FlowError(`${shown}: cannot start: ${e.message}`));
			return;
		}
		const out = [], err = [];
		child.stdout.on('data', (d) => out.push(d));
		child.stderr.on('data', (d) => err.push(d));
		child.on('error', (e) => reject(new FlowError(`${shown}: cannot start ${args.mfactl}: ${e.message}`)));
		child.on('close', (code, signal) => resolve({
			code: code === null ? `signal ${signal}` : code,
			stdout: Buffer.concat(out).toString('utf8'),
			stderr: Buffer.concat(err).toString('utf8'),
		}));
		child.stdin.on('error', () => {}); // it may exit without reading
		child.stdin.end(input ?? '');
		mfactl.children.add(child);
		child.on('close', () => mfactl.children.delete(child));
	}), PAGE_TIMEOUT_MS, shown);
}
mfactl.children = new Set();

// beginCeremony(sub): runs a *-begin command; returns [raw stdout, parsed options].
async function beginCeremony(sub) {
	const r = await mfactl([sub, args.user]);
	if (r.code !== 0)
		throw new FlowError(`mfactl webauthn ${sub} ${args.user} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
	let opts;
	try {
		opts = JSON.parse(r.stdout);
	} catch (e) {
		throw new FlowError(`mfactl webauthn ${sub} printed no JSON (${e.message}): ${r.stdout.slice(0, 300)}`);
	}
	if (opts === null || typeof opts !== 'object' || typeof opts.challenge !== 'string')
		throw new FlowError(`mfactl webauthn ${sub}: options have no challenge: ${r.stdout.slice(0, 300)}`);
	return [r.stdout, opts];
}

async function finishCeremony(sub, file, body, extra = []) {
	const r = await mfactl([sub, args.user, ...extra], body);
	if (r.code !== 0)
		throw new FlowError(`mfactl webauthn ${sub} ${args.user} < ${file} exited ${r.code}` +
			`${r.code === 1 ? ' (refused)' : ''}: ${(r.stderr.trim() || r.stdout.trim()).slice(0, 2000)}`);
	return r;
}

function writeOut(name, text) {
	const path = join(args.out, name);
	writeFileSync(path, text.endsWith('\n') ? text : text + '\n');
	return path;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>mfa webauthn test</title></head>
<body><p>mfa WebAuthn browser test page</p></body></html>
`;

function startServer() {
	const server = createServer((req, res) => {
		if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
			res.end(PAGE);
		} else {
			res.writeHead(404, { 'content-type': 'text/plain' });
			res.end('not found\n');
		}
	});
	return new Promise((resolve, reject) => {
		server.once('error', (e) => reject(new FlowError(`cannot serve on 127.0.0.1:${args.port}: ${e.message}`)));
		server.listen(args.port, '127.0.0.1', () => resolve(server));
	});
}

// In the page: the Level 3 JSON (de)serialisers do all the base64url work, so
// the harness never touches the binary forms itself.
async function pageCreate(optionsJSON) {
	if (typeof PublicKeyCredential.parseCreationOptionsFromJSON !== 'function')
		throw new Error('this browser lacks PublicKeyCredential.parseCreationOptionsFromJSON');
	const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(optionsJSON);
	const cred = await navigator.credentials.create({ publicKey });
	if (!cred) throw new Error('navigator.credentials.create returned null');
	return cred.toJSON();
}

async function pageGet(optionsJSON) {
	if (typeof PublicKeyCredential.parseRequestOptionsFromJSON !== 'function')
		throw new Error('this browser lacks PublicKeyCredential.parseRequestOptionsFromJSON');
	const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(optionsJSON);
	const cred = await navigator.credentials.get({ publicKey });
	if (!cred) throw new Error('navigator.credentials.get returned null');
	return cred.toJSON();
}

// Some servers wrap the options as {"publicKey": {...}}; the parsers want the
// inner dictionary.
function innerOptions(opts) {
	return opts.publicKey && typeof opts.publicKey === 'object' && !('challenge' in opts) ? opts.publicKey : opts;
}

async function inPage(page, fn, opts, what) {
	try {
		return await withTimeout(page.evaluate(fn, innerOptions(opts)), PAGE_TIMEOUT_MS, what);
	} catch (e) {
		if (e instanceof FlowError) throw e;
		// page.evaluate wraps the DOMException; keep its first line.
		const msg = String(e && e.message || e).split('\n').filter((l) => l.trim()).slice(0, 2).join(' ');
		throw new FlowError(`${what} failed in the browser: ${msg}`);
	}
}

let server = null, browser = null, finished = false;

async function cleanup() {
	for (const c of mfactl.children) {
		try { process.kill(-c.pid, 'SIGKILL'); } catch { try { c.kill('SIGKILL'); } catch { /* gone */ } }
	}
	const jobs = [];
	if (browser) { const b = browser; browser = null; jobs.push(b.close().catch(() => {})); }
	if (server) {
		const s = server; server = null;
		jobs.push(new Promise((r) => { s.close(() => r()); s.closeAllConnections?.(); }));
	}
	await withTimeout(Promise.all(jobs), CLOSE_TIMEOUT_MS, 'closing the browser and server').catch((e) => log(e.message));
}

async function main() {
	mkdirSync(args.out, { recursive: true });
	server = await startServer();

	browser = await withTimeout(chromium.launch({
		executablePath: args.chromium,
		args: ['--no-sandbox'],
		headless: true,
		timeout: PAGE_TIMEOUT_MS,
	}), PAGE_TIMEOUT_MS + 1000, `launching ${args.chromium}`).catch((e) => {
		throw e instanceof FlowError ? e : new FlowError(`cannot launch ${args.chromium}: ${String(e.message).split('\n')[0]}`);
	});
	const chromiumVersion = browser.version();
	const context = await browser.newContext();
	context.setDefaultTimeout(PAGE_TIMEOUT_MS);
	const page = await context.newPage();
	page.on('pageerror', (e) => log(`page error: ${e.message}`));
	await withTimeout(page.goto(origin + '/', { timeout: PAGE_TIMEOUT_MS }), PAGE_TIMEOUT_MS, `loading ${origin}/`);

	const cdp = await context.newCDPSession(page);
	await withTimeout(cdp.send('WebAuthn.enable', { enableUI: false }), PAGE_TIMEOUT_MS, 'WebAuthn.enable');
	const { authenticatorId } = await withTimeout(cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: {
			protocol: args.protocol,
			transport: 'usb',
			hasResidentKey: args.resident,
			hasUserVerification: args.uv,
			isUserVerified: args.uv,
			automaticPresenceSimulation: true,
		},
	}), PAGE_TIMEOUT_MS, 'WebAuthn.addVirtualAuthenticator');
	log(`virtual ${args.protocol} authenticator ${authenticatorId} (uv ${args.uv}, resident ${args.resident}) on ${origin}, Chromium ${chromiumVersion}`);

	// Registration.
	const [regRaw, regOpts] = await beginCeremony('register-begin');
	// --attestation asks the browser for another conveyance than the relying
	// party chose, to record the attestation formats it can send (packed, fido-u2f).
	if (args.attestation) regOpts.attestation = args.attestation;
	writeOut('register-options.json', regRaw);
	const regResp = await inPage(page, pageCreate, regOpts, 'navigator.credentials.create');
	const regBody = JSON.stringify(regResp, null, 2) + '\n';
	const regFile = writeOut('register-response.json', regBody);
	await finishCeremony('register-finish', regFile, regBody, args.label ? ['--label', args.label] : []);
	log(`registered credential ${regResp.id} for ${args.user}`);

	// Logins.
	let loginOpts = null;
	for (let k = 1; k <= args.logins; k++) {
		const [raw, opts] = await beginCeremony('login-begin');
		loginOpts = loginOpts || opts;
		writeOut(`login-options-${k}.json`, raw);
		const resp = await inPage(page, pageGet, opts, `navigator.credentials.get (login ${k})`);
		const body = JSON.stringify(resp, null, 2) + '\n';
		const file = writeOut(`login-response-${k}.json`, body);
		await finishCeremony('login-finish', file, body);
		log(`login ${k} of ${args.logins} accepted`);
	}

	const inner = innerOptions(regOpts);
	const rpId = (inner.rp && inner.rp.id) || (innerOptions(loginOpts).rpId) || new URL(origin).hostname;
	writeOut('meta.json', JSON.stringify({
		origin,
		rp_id: rpId,
		user: args.user,
		protocol: args.protocol,
		uv: args.uv,
		resident: args.resident,
		recorded_at: Math.floor(Date.now() / 1000),
		chromium: chromiumVersion,
	}, null, 2));
}

const runTimer = setTimeout(async () => {
	if (finished) return;
	finished = true;
	log(`FAILED: the whole run took longer than ${RUN_TIMEOUT_MS / 1000} s`);
	await cleanup();
	process.exit(1);
}, RUN_TIMEOUT_MS);

for (const sig of ['SIGINT', 'SIGTERM']) {
	process.on(sig, async () => {
		if (finished) return;
		finished = true;
		log(`FAILED: interrupted by ${sig}`);
		await cleanup();
		process.exit(1);
	});
}

let status = 0;
try {
	await main();
} catch (e) {
	status = 1;
	if (!finished) log(`FAILED: ${e instanceof FlowError ? e.message : (e && e.stack) || e}`);
}
if (!finished) {
	finished = true;
	clearTimeout(runTimer);
	await cleanup();
	if (status === 0) log(`ok: wrote ${args.out}`);
	process.exit(status);
}
