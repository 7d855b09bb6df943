/**
 * Server-rendered HTML without a template engine: `html` escapes every interpolated value unless it is
 * already `Html` (another `html` fragment, or `raw`). Pages are Chinese, work on a phone and a desktop,
 * and need no build step.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => ESCAPES[c] ?? c);
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Trusted markup (a constant of this module, never user input). */
export function raw(markup: string): Html {
  return new Html(markup);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1d2430;background:#f4f6f9}
header{background:#1f4e8c;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
header a{color:#fff;text-decoration:none}header .who{margin-left:auto;font-size:.9em;opacity:.9}
nav a{margin-right:.8rem}main{max-width:1100px;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:8px;padding:.8rem 1rem;margin:0 0 1rem;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h1{font-size:1.3rem;margin:.2rem 0 .8rem}h2{font-size:1.05rem;margin:.2rem 0 .6rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #e6e9ef;vertical-align:top}
.scroll{overflow-x:auto}.muted{color:#6b7483}.alert{border-left:4px solid #d9822b}.ok{color:#2b8a3e}.bad{color:#c92a2a}
.bar{background:#e6e9ef;border-radius:4px;height:.7rem;min-width:6rem;overflow:hidden}.bar>span{display:block;height:100%;background:#2f7ae5}
form.inline{display:inline}input,select,textarea,button{font:inherit}textarea{width:100%;min-height:6rem}
input[type=text],input[type=datetime-local],select{width:100%;max-width:24rem;padding:.3rem}
button{background:#1f4e8c;color:#fff;border:0;border-radius:6px;padding:.45rem .9rem;cursor:pointer}button.secondary{background:#6b7483}
label{display:block;margin:.5rem 0 .2rem}.row{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem}.row>*{flex:1 1 14rem}
.tag{display:inline-block;padding:0 .4rem;border-radius:4px;background:#e6e9ef;font-size:.85em}
@media (max-width:600px){main{padding:.5rem}section{padding:.6rem}th,td{padding:.3rem .25rem;font-size:.92em}}
`;

export interface PageChrome {
  readonly title: string;
  /** The logged-in person's name and role, when there is one. */
  readonly who?: string;
  readonly csrf?: string;
  /** The student-work team also sees the pages for running the bots. */
  readonly team?: boolean;
}

/** The page around a body: header, navigation, logout. */
export function page(chrome: PageChrome, body: Html, script?: string): string {
  const nav = chrome.who
    ? html`<nav><a href="/">总览</a><a href="/directives">通知</a><a href="/directives/new">发布通知</a><a href="/review">待确认</a><a href="/membership">群成员</a><a href="/contacts">通讯录</a><a href="/contact-log">联系日志</a>${chrome.team ? html`<a href="/roster">名单</a><a href="/sandbox">沙盒</a><a href="/accounts">机器人账号</a><a href="/ops">运维</a>` : ''}</nav>
        <span class="who">${chrome.who}
          <form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="${chrome.csrf ?? ''}"><button class="secondary" type="submit">退出</button></form></span>`
    : html``;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(chrome.title)} · Cascade</title><style>${STYLE}</style></head>
<body><header><a href="/"><b>Cascade 联络网</b></a>${nav.text}</header><main>${body.text}</main>${script ? `<script>${script}</script>` : ''}</body></html>`;
}

/** A progress bar for a share (0–1). */
export function bar(share: number): Html {
  const pct = Math.max(0, Math.min(100, Math.round(share * 100)));
  return html`<div class="bar" role="img" aria-label="${pct}%"><span style="width:${pct}%"></span></div>`;
}
