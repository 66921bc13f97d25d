// Strings per language: i18n/<lang>.json, Chinese first. t("key", {n: 3}) fills {n}.

export const LANGS = ["zh_CN", "en"];
let strings = {}, fallback = {}, lang = "zh_CN";

export function chosenLang(storage = localStorage) {
  // Chinese first: English only when chosen on this phone (the login screen has the switch)
  const saved = storage.getItem("xn.lang");
  return LANGS.includes(saved) ? saved : "zh_CN";
}

async function fetchLang(l) {
  const r = await fetch(`i18n/${l}.json?v=%V%`);
  if (!r.ok) throw new Error(`i18n/${l}.json: ${r.status}`);
  return r.json();
}

export async function setLang(l, storage = localStorage) {
  if (!LANGS.includes(l)) l = "zh_CN";
  const loaded = await fetchLang(l);
  if (l !== "zh_CN" && !Object.keys(fallback).length) fallback = await fetchLang("zh_CN").catch(() => ({}));
  strings = loaded; lang = l;
  storage.setItem("xn.lang", l);
  document.documentElement.lang = l === "zh_CN" ? "zh-CN" : "en";
}

export function currentLang() { return lang; }

export function t(key, params) {
  let s = strings[key] ?? fallback[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m));
  return s;
}
