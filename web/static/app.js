// The portal's page: talks only to its own JSON API (/api/...), sends the
// session's CSRF token with every change, and keeps nothing in storage.
"use strict";

let session = { stage: "none" };
const $ = (id) => document.getElementById(id);

function show(ids) {
	for (const s of document.querySelectorAll("main > section"))
		s.hidden = !ids.includes(s.id);
}

function say(text, ok) {
	const m = $("message");
	m.textContent = text || "";
	m.className = ok ? "ok" : "";
}

async function api(method, path, body) {
	const headers = {};
	if (method === "POST") {
		headers["Content-Type"] = "application/json";
		if (session.csrf)
			headers["X-CSRF-Token"] = session.csrf;
	}
	const res = await fetch(path, { method, headers, credentials: "same-origin",
		body: method === "POST" ? JSON.stringify(body || {}) : undefined });
	let data = {};
	try { data = await res.json(); } catch (e) { data = { error: "The portal gave no answer: try again." }; }
	if (data.session)
		session = data.session;
	if (!res.ok)
		throw new Error(data.error || ("Error " + res.status));
	return data;
}

async function refresh() {
	$("who").textContent = session.stage === "signed_in" ? session.user : "";
	$("signout").hidden = session.stage === "none" || !session.stage;
	if (session.stage === "signed_in") {
		show(["view-home", "view-add", "view-recovery", "view-data"]);
		await loadMe();
	} else if (session.stage === "invite") {
		show(["view-invite", "view-add"]);
	} else if (session.stage === "password") {
		show(["view-factor"]);
	} else {
		show(["view-signin"]);
	}
}

async function loadMe() {
	const me = await api("GET", "/api/me");
	const list = $("factors");
	list.textContent = "";
	for (const f of me.factors) {
		const li = document.createElement("li");
		const name = document.createElement("span");
		name.className = "name";
		name.textContent = f.label + " (" + (f.type === "passkey" ? "passkey or security key" :
			f.type === "token" ? "hardware token" : "authenticator app") + ")";
		const used = document.createElement("small");
		used.textContent = f.last_used ? "last used " + new Date(f.last_used * 1000).toLocaleString() : "never used";
		const rename = document.createElement("button");
		rename.className = "small";
		rename.textContent = "Rename";
		rename.dataset.id = f.id;
		rename.addEventListener("click", () => renameFactor(f));
		const remove = document.createElement("button");
		remove.className = "small";
		remove.textContent = "Remove";
		remove.addEventListener("click", () => removeFactor(f, false));
		li.append(name, used, rename, remove);
		li.dataset.id = f.id;
		list.append(li);
	}
	$("recovery-count").textContent = me.recovery_total ?
		me.recovery_left + " of " + me.recovery_total + " recovery codes left." : "You have no recovery codes.";
}

async function renameFactor(f) {
	const label = prompt("New name for " + f.label, f.label);
	if (!label)
		return;
	try { await api("POST", "/api/factors/rename", { id: f.id, label }); say("Renamed.", true); await loadMe(); }
	catch (e) { say(e.message); }
}

async function removeFactor(f, confirmLast) {
	if (!confirmLast && !confirm("Remove " + f.label + "?"))
		return;
	try {
		await api("POST", "/api/factors/remove", { id: f.id, confirm_last: confirmLast });
		say("Removed " + f.label + ".", true);
		await loadMe();
	} catch (e) {
		if (!confirmLast && /Confirm to remove/.test(e.message) && confirm(e.message))
			return removeFactor(f, true);
		say(e.message);
	}
}

$("form-password").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try {
		const r = await api("POST", "/api/signin", { user: $("user").value, password: $("password").value });
		$("password").value = "";
		$("factor-passkey").hidden = !r.methods.includes("passkey");
		$("form-code").hidden = !r.methods.includes("code") && !r.methods.includes("recovery");
		say("");
		await refresh();
	} catch (e) { say(e.message); }
});

$("form-code").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try { await api("POST", "/api/signin/code", { code: $("code").value }); $("code").value = ""; say(""); await refresh(); }
	catch (e) { say(e.message); }
});

$("use-passkey").addEventListener("click", async () => {
	try {
		const begin = await api("POST", "/api/signin/passkey/begin");
		const cred = await navigator.credentials.get({
			publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.options) });
		await api("POST", "/api/signin/passkey/finish", { response: cred.toJSON() });
		say("");
		await refresh();
	} catch (e) { say(e.message); }
});

$("add-passkey").addEventListener("click", async () => {
	try {
		const begin = await api("POST", "/api/factors/passkey/begin");
		const cred = await navigator.credentials.create({
			publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.options) });
		const label = prompt("A name for this passkey or key", "passkey") || "passkey";
		await api("POST", "/api/factors/passkey/finish", { response: cred.toJSON(), label });
		say("Your passkey is ready.", true);
		await afterAdd();
	} catch (e) { say(e.message); }
});

$("add-app").addEventListener("click", async () => {
	try {
		const r = await api("POST", "/api/factors/app/begin", { label: "authenticator app" });
		$("app-qr").src = "data:image/svg+xml," + encodeURIComponent(r.qr_svg);
		$("app-link").href = r.uri;
		$("app-secret").textContent = r.secret;
		$("app-setup").hidden = false;
		say("");
	} catch (e) { say(e.message); }
});

$("form-app").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try {
		await api("POST", "/api/factors/app/confirm", { code: $("app-code").value });
		$("app-code").value = "";
		$("app-secret").textContent = "";
		$("app-setup").hidden = true;
		say("Your authenticator app is ready.", true);
		await afterAdd();
	} catch (e) { say(e.message); }
});

async function afterAdd() {
	if (session.stage === "invite") {
		session = { stage: "none" };
		say("Your first factor is ready: sign in with your password and it.", true);
	}
	await refresh();
}

$("recovery-new").addEventListener("click", async () => {
	if (!confirm("New codes replace the old ones. Continue?"))
		return;
	try {
		const r = await api("POST", "/api/recovery");
		const ol = $("recovery-codes");
		ol.textContent = "";
		for (const c of r.codes) {
			const li = document.createElement("li");
			li.textContent = c;
			ol.append(li);
		}
		$("recovery-shown").hidden = false;
		say("");
		await loadMe();
	} catch (e) { say(e.message); }
});

$("download").addEventListener("click", async () => {
	try {
		const res = await fetch("/api/export", { credentials: "same-origin" });
		if (!res.ok)
			throw new Error((await res.json()).error);
		const url = URL.createObjectURL(await res.blob());
		const a = document.createElement("a");
		a.href = url;
		a.download = "mfa-export.json";
		a.click();
		URL.revokeObjectURL(url);
	} catch (e) { say(e.message); }
});

$("form-delete").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try {
		await api("POST", "/api/delete", { confirm: $("delete-confirm").value });
		session = { stage: "none" };
		say("Your sign-in data is deleted.", true);
		await refresh();
	} catch (e) { say(e.message); }
});

$("signout").addEventListener("click", async () => {
	try { await api("POST", "/api/signout"); } catch (e) { /* signed out anyway */ }
	session = { stage: "none" };
	say("");
	await refresh();
});

(async () => {
	try {
		await api("GET", "/api/session");
		// An invite link carries its token after '#': it never reaches a log.
		if (location.pathname === "/invite" && location.hash.length > 1) {
			const token = location.hash.slice(1);
			history.replaceState(null, "", "/");
			await api("POST", "/api/invite", { token });
		}
	} catch (e) { say(e.message); }
	await refresh();
})();
