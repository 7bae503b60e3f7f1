/*
 * briefing search worker: Material for MkDocs' search worker protocol, backed by the chunked
 * index that `briefing build` writes to search/briefing/ (see briefing/search.py).
 *
 * Material's page script sends SETUP (0) with its own small index (hand-written pages) and
 * QUERY (2) with what the reader typed; we answer READY (1) and RESULT (3). The reader only
 * downloads the index files a query needs: one terms file per word and the docs chunks of
 * the results shown.
 */
"use strict";

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
const MAX_RESULTS = 100;
const base = new URL("../../search/briefing/", self.location.href);
const cache = new Map();
let pages = [];   // Material's own index entries (hand-written pages)
let meta = null;

function fetchJSON(path) {
  if (!cache.has(path)) {
    cache.set(path, fetch(new URL(path, base)).then(r => {
      if (r.status === 404 && path.startsWith("terms/")) return {};  // no word starts so
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      return r.json();
    }).catch(err => { cache.delete(path); throw err; }));
  }
  return cache.get(path);
}

function words(text) {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []);
}

function bucket(word) {  // FNV-1a over the UTF-16 code units of the first two characters
  let value = 0x811c9dc5;
  const head = word.slice(0, 2);
  for (let i = 0; i < head.length; i++) {
    const unit = head.charCodeAt(i);
    for (const byte of [unit & 0xff, unit >> 8]) {
      value = Math.imul(value ^ byte, 0x01000193) >>> 0;
    }
  }
  return value % meta.buckets;
}

function escapeHTML(text) {
  return text.replace(/[&<>"']/g, c => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"
  })[c]);
}

// Escape first, then mark whole words that start with a query word: feed text stays inert.
function highlight(text, terms) {
  const escaped = escapeHTML(text);
  if (!terms.length) return escaped;
  const pattern = terms.map(t => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const re = new RegExp(`(^|[^\\p{L}\\p{N}])((?:${pattern})[\\p{L}\\p{N}]*)`, "giu");
  return escaped.replace(re, (_, before, word) => `${before}<mark>${word}</mark>`);
}

async function postings(word, prefix) {
  const terms = await fetchJSON(`terms/${bucket(word)}.json`);
  if (!prefix || word.length < 2) return terms[word] || [];
  const found = [];
  for (const [key, docs] of Object.entries(terms)) {
    if (key.startsWith(word)) found.push(...docs);
  }
  return found;
}

async function searchArticles(query) {
  meta = meta || await fetchJSON("meta.json");
  const stop = new Set(meta.stop_words);
  const all = words(query);
  const terms = all.filter(w => !stop.has(w));
  if (!terms.length) return { items: [], terms: all };
  // Every word must match; the last one may be a word still being typed (a prefix).
  let scores = null;
  for (let i = 0; i < terms.length; i++) {
    const list = await postings(terms[i], i === terms.length - 1);
    const next = new Map();
    for (const entry of list) {
      const doc = entry >> 1, weight = entry & 1 ? 3 : 1;  // a headline match weighs more
      if (scores !== null && !scores.has(doc)) continue;
      next.set(doc, Math.max(next.get(doc) || 0, weight));
    }
    if (scores !== null) for (const [doc, w] of next) next.set(doc, w + scores.get(doc));
    scores = next;
    if (!scores.size) break;
  }
  const ranked = [...scores.entries()]
    .sort((a, b) => b[1] - a[1] || b[0] - a[0])  // best score, then newest
    .slice(0, MAX_RESULTS);
  const chunks = [...new Set(ranked.map(([doc]) => Math.floor(doc / meta.docs_per_chunk)))];
  const loaded = new Map(await Promise.all(
    chunks.map(async c => [c, await fetchJSON(`docs/${c}.json`)])
  ));
  const termMap = Object.fromEntries(all.map(t => [t, true]));
  const items = ranked.map(([doc, score]) => {
    const [url, title, publisher, date, snippet] =
      loaded.get(Math.floor(doc / meta.docs_per_chunk))[doc % meta.docs_per_chunk];
    return [{
      location: url,
      title: highlight(title, terms),
      text: `<em>${escapeHTML(publisher)} · ${escapeHTML(date)}</em> — ${highlight(snippet, terms)}`,
      score,
      terms: termMap
    }];
  });
  return { items, terms: all };
}

function searchPages(query) {  // the few hand-written pages Material indexed itself
  const terms = words(query);
  if (!terms.length) return [];
  return pages
    .filter(doc => !doc.location.includes("#"))
    .filter(doc => {
      const text = words(`${doc.title} ${doc.text}`);
      return terms.every(t => text.some(w => w.startsWith(t)));
    })
    .map(doc => [{ ...doc, score: 1, terms: Object.fromEntries(terms.map(t => [t, true])) }]);
}

addEventListener("message", async event => {
  const message = event.data;
  if (message.type === SETUP) {
    pages = (message.data && message.data.docs) || [];
    postMessage({ type: READY });
  } else if (message.type === QUERY) {
    let items = [];
    try {
      items = (await searchArticles(message.data)).items;
    } catch (err) {
      console.warn(`briefing search: ${err}`);
    }
    postMessage({ type: RESULT, data: { items: [...items, ...searchPages(message.data)] } });
  }
});
