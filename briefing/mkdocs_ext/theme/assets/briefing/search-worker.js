/*
 * briefing search worker: Material for MkDocs' search worker protocol, backed by the chunked
 * index that `briefing build` writes to search/briefing/ (see briefing/pages/search.py).
 *
 * Material's page script sends SETUP (0) with its own small index (hand-written pages) and
 * QUERY (2) with what the reader typed; we answer READY (1) and RESULT (3). The reader only
 * downloads the index files a query needs: one terms file per word and the (small) docs
 * chunks of the results shown, those of the first screen first (see searchArticles).
 *
 * Every keystroke is a query. One overtaken by a newer query still shows its first screen,
 * unless a newer one has shown its own by then: a reader typing at speed sees the results of
 * the word so far as soon as they are in (a shorter prefix's are often ready first), and
 * results never go back to an older query's. Only the newest query loads the rest of its
 * results, once the reader pauses.
 */
"use strict";

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
const MAX_RESULTS = 100;
const FIRST_SCREEN = 10;  // results Material renders at once (it adds more as one scrolls)
const BATCH = 12;  // docs chunks asked for at a time after the first screen's
const REST_AFTER_MS = 300;  // a pause in typing this long, and the rest of the results load
const base = new URL("../../search/briefing/", self.location.href);
const cache = new Map();
const done = new Set();  // the files whose fetch has completed
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const VALUE = new Int8Array(128).fill(-1);  // a digit's value, by its character code
for (let i = 0; i < DIGITS.length; i++) VALUE[DIGITS.charCodeAt(i)] = i;
const MAX_WORDS = 80;  // a query's words that count: scores stay under 256 (3 a word at most)
let pages = [];   // Material's own index entries (hand-written pages)
let meta = null;
let latest = 0;   // the newest query's number
let shown = 0;    // the number of the newest query whose results are on screen

function fetchJSON(path) {
  if (!cache.has(path)) {
    cache.set(path, fetch(new URL(path, base)).then(r => {
      if (r.status === 404 && path.startsWith("terms/")) return {};  // no word starts so
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      return r.json();
    }).then(data => { done.add(path); return data; })
      .catch(err => { cache.delete(path); throw err; }));
  }
  return cache.get(path);
}

function words(text) {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []);
}

function bucket(word) {  // FNV-1a over the UTF-16 code units of the first meta.prefix ones
  let value = 0x811c9dc5;
  const head = word.slice(0, meta.prefix);
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

// A word's postings: the first, then each one's gap to the one before less one, in base 32,
// most significant digit first, every digit but the last from the alphabet's second half.
function decode(text) {
  const out = [];
  let previous = -1, value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = VALUE[text.charCodeAt(i)];
    if (digit >= 32) {
      value = value * 32 + digit - 32;
    } else {
      previous += value * 32 + digit + 1;
      out.push(previous);
      value = 0;
    }
  }
  return out;
}

const termsFile = word => `terms/${bucket(word)}.json`;

// Each word's postings decoded once: typing a word asks for the same ones at every keystroke.
const decoded = new Map();
function postingsOf(file, word, text) {
  const key = `${file} ${word}`;
  if (!decoded.has(key)) decoded.set(key, decode(text));
  return decoded.get(key);
}

// The postings of a query word, as a list of arrays: its own, or when it is the last word
// (perhaps still being typed) those of every word it begins.
async function postings(word, prefix) {
  const file = termsFile(word);
  const terms = await fetchJSON(file);
  // A word shorter than the bucket prefix is matched whole: its bucket holds only itself.
  if (!prefix || word.length < meta.prefix) return [postingsOf(file, word, terms[word] || "")];
  const found = [];
  for (const [key, docs] of Object.entries(terms)) {
    if (key.startsWith(word)) found.push(postingsOf(file, key, docs));
  }
  return found;
}

// The terms files the newest query needs: an older query that resumes once they are all in
// gives way (the newest one computes right after it), instead of ranking a stale prefix.
let newestNeeds = [];
const newestCanRun = () => newestNeeds.every(path => done.has(path));

// The docs that have every word of a query, and their scores: a word counts 3 where it is in
// the headline, else 1 (its best posting in the doc), summed over the words. One byte per doc
// in typed arrays, not a Map: a word of most of 100,000 articles took a Map and a sort of tens
// of ms at every keystroke, on the core the page needs too.
class Scores {
  constructor(docs) {
    this.count = new Uint8Array(docs);  // how many of the words so far the doc has
    this.score = new Uint8Array(docs);
    this.weight = new Uint8Array(docs);  // the doc's best weight for the current word
    this.words = 0;
    this.size = 0;  // docs with every word so far
  }

  add(lists) {  // one word's postings (a list of arrays)
    const word = this.words++, { count, score, weight } = this;
    let size = 0;
    for (const list of lists) {
      for (let k = 0; k < list.length; k++) {
        const doc = list[k] >> 1, w = list[k] & 1 ? 3 : 1;  // a headline match weighs more
        if (count[doc] === word) {
          count[doc] = word + 1;
          weight[doc] = w;
          score[doc] += w;
          size++;
        } else if (count[doc] === word + 1 && w > weight[doc]) {
          score[doc] += w - weight[doc];
          weight[doc] = w;
        }
      }
    }
    this.size = size;
  }

  best() {  // the best MAX_RESULTS [doc, score]: the highest score first, then the newest doc
    const { count, score, words } = this, byScore = [];
    for (let doc = count.length - 1; doc >= 0; doc--) {
      if (count[doc] !== words) continue;
      const docs = byScore[score[doc]] || (byScore[score[doc]] = []);
      if (docs.length < MAX_RESULTS) docs.push(doc);
    }
    const ranked = [];
    for (let s = byScore.length - 1; s >= 0 && ranked.length < MAX_RESULTS; s--) {
      for (const doc of byScore[s] || []) {
        if (ranked.length === MAX_RESULTS) break;
        ranked.push([doc, s]);
      }
    }
    return ranked;
  }
}

function pageURL(url, date) {  // a bare slug lives in the folder of the article's month
  return url.includes("/") ? url : `articles/${date.slice(0, 4)}/${date.slice(5, 7)}/${url}/`;
}

// Answers a query by calling show(items) once or twice: first with the results whose docs
// chunks hold the top FIRST_SCREEN (what Material renders before the reader scrolls), as soon
// as those few small files are in (unless a newer query has shown its own by then), then with
// every result once the rest are (when no newer query came within REST_AFTER_MS). Results are
// spread over the whole briefing (newest first among equals), so waiting for all of them
// would mean up to MAX_RESULTS requests before anything is shown.
async function searchArticles(query, number, show) {
  meta = meta || await fetchJSON("meta.json");
  const stop = new Set(meta.stop_words);
  const terms = words(query).filter(w => !stop.has(w)).slice(0, MAX_WORDS);
  if (!terms.length) return show([]);
  if (number === latest) newestNeeds = terms.map(termsFile);
  // Every word must match; the last one may be a word still being typed (a prefix).
  const scores = new Scores(meta.docs);
  for (let i = 0; i < terms.length; i++) {
    const lists = await postings(terms[i], i === terms.length - 1);
    if (number <= shown) return;  // a newer query's results are on screen already
    if (number < latest && newestCanRun()) return;  // the newest one's turn
    scores.add(lists);
    if (!scores.size) break;
  }
  const ranked = scores.best();  // best score, then newest
  const chunkOf = doc => Math.floor(doc / meta.docs_per_chunk);
  const needed = [...new Set(ranked.map(([doc]) => chunkOf(doc)))];  // in rank order
  const loaded = new Map();
  const load = async chunks => {
    for (const [c, rows] of await Promise.all(
      chunks.map(async c => [c, await fetchJSON(`docs/${c}.json`)])
    )) loaded.set(c, rows);
  };
  const termMap = Object.fromEntries(words(query).map(t => [t, true]));
  const item = ([doc, score]) => {
    const [url, title, publisher, date, snippet] =
      loaded.get(chunkOf(doc))[doc % meta.docs_per_chunk];
    return [{
      location: pageURL(url, date),
      title: highlight(title, terms),
      text: `<em>${escapeHTML(publisher)} · ${escapeHTML(date)}</em> — ${highlight(snippet, terms)}`,
      score,
      terms: termMap
    }];
  };
  const first = new Set(ranked.slice(0, FIRST_SCREEN).map(([doc]) => chunkOf(doc)));
  await load([...first]);
  if (number <= shown) return;
  const ready = ranked.findIndex(([doc]) => !loaded.has(chunkOf(doc)));
  if (ready === -1) return show(ranked.map(item));
  show(ranked.slice(0, ready).map(item));
  // The rest once the reader pauses (not for every prefix of a word being typed), a few files
  // at a time, so that a newer query does not wait behind them.
  await new Promise(resolve => setTimeout(resolve, REST_AFTER_MS));
  if (number !== latest) return;
  const rest = needed.filter(c => !loaded.has(c));
  for (let i = 0; i < rest.length; i += BATCH) {
    await load(rest.slice(i, i + BATCH));
    if (number !== latest) return;  // the reader typed on: a newer query has the screen
  }
  show(ranked.map(item));
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
    const number = ++latest;
    const show = items => {  // never over a newer query's results
      if (number < shown) return;
      shown = number;
      postMessage({ type: RESULT, data: { items: [...items, ...searchPages(message.data)] } });
    };
    try {
      await searchArticles(message.data, number, show);
    } catch (err) {
      if (number < shown) return;
      console.warn(`briefing search: ${err}`);
      show([]);
    }
  }
});
