{#- briefing: the parts of Material's page chrome that every page shares, rendered once per
    build from Material's own partials (chrome.py). Loaded in each page's head. -#}
{%- import "partials/language.html" as lang with context -%}
{%- set features = config.theme.features or [] -%}
{%- set base_url = briefing_base -%}
{%- set md_base %}{% include "material-theme/partials/javascripts/base.html" %}{% endset -%}
{%- set md_palette %}{% if not config.theme.palette is mapping %}{% include "material-theme/partials/javascripts/palette.html" %}{% endif %}{% endset -%}
{%- set palette %}{% if config.theme.palette and not config.theme.palette is mapping %}{% include "material-theme/partials/palette.html" %}{% endif %}{% endset -%}
{%- set search %}{% include "material-theme/partials/search.html" %}{% endset -%}
{%- set top %}{% include "material-theme/partials/top.html" %}{% endset -%}
{%- set navigation %}{% include "material-theme/partials/nav.html" %}{% endset -%}
{%- set sidebars %}{{ briefing_block("material-theme/base.html", "site_nav", page=briefing_bare_page, features=features) }}{% endset -%}
{%- set sidebars = sidebars | replace('<script>__md_chrome("nav","' ~ briefing_base ~ '")</script>', navigation) -%}
{%- set header %}{{ briefing_block("material-theme/base.html", "header", page=none, features=features) }}{% endset -%}
{%- set header = header | replace('<script>__md_chrome("palette")</script>', palette) | replace('<script>__md_chrome("search")</script>', search) -%}
{%- set footer %}{{ briefing_block("material-theme/base.html", "footer", page=none, features=features) }}{% endset -%}
{%- set tabs %}{% if "navigation.tabs" in features %}{% include "material-theme/partials/tabs.html" %}{% endif %}{% endset -%}
/* Made by briefing from Material for MkDocs' partials: see briefing/mkdocs_ext/chrome.py. */
(function () {
  var here = document.currentScript.getAttribute("src");
  var base = here.slice(0, here.length - "assets/briefing/chrome.js".length);
  base = base === "" ? "." : base === "/" ? base : base.replace(/\/$/, "");
  var BASE = {{ briefing_base | tojson }};
  var SPRITE = new URL("icons.svg", document.currentScript.src).href;
  {{ md_base | replace("<script>", "") | replace("</script>", "") | replace('"' ~ briefing_base ~ '"', "base") | trim }};
  var parts = {{ {
    "palette": palette | briefing_compact,
    "search": search | briefing_compact,
    "top": top | briefing_compact,
    "nav": navigation | briefing_compact,
    "tabs": tabs | briefing_compact,
    "sidebars": sidebars | briefing_compact,
    "toggles": briefing_toggles,
    "header": header | briefing_compact,
    "footer": footer | briefing_compact
  } | briefing_js }};
  var shared = {{ briefing_shared_config() | tojson }};
  function prefix(base) {
    return base === "." ? "" : base.replace(/\/$/, "") + "/";
  }
  function rebase(html, base) {
    return html
      .split(BASE + '/."').join(base + '"')
      .split(BASE + "/").join(prefix(base))
      .split(BASE).join(base);
  }
  function palette() {
    {{ md_palette | replace("<script>", "") | replace("</script>", "") | trim }}
  }
  /* Links made absolute against the page they were made for, as Material's instant
     navigation does with the pages it fetches: the header stays when the page changes. */
  function absolute(root) {
    var links = [root].concat(Array.prototype.slice.call(root.querySelectorAll("[href], use")));
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      if (!link.hasAttribute("href") && link.localName !== "use") continue;
      var name = link.hasAttribute("href") ? "href" : "xlink:href";
      var value = link.getAttribute(name);
      if (value) link.setAttribute(name, new URL(value, location.href).href);
    }
  }
  /* Article and story pages (chrome.py: briefing_lean_header) have no header of their own.
     Its title is the page's og:title, as Material prints page.meta.title; when instant
     navigation brings such a page in (it replaces the logo and title only with the new
     page's own), the footer's script puts in this page's title and logo. On the page the
     header was just made for (madeFor, until its footer), both are right already. */
  var madeFor = null;
  function topic() {
    var title = document.querySelector('meta[property="og:title"]');
    var node = document.querySelector("[data-md-component=header-topic] .md-ellipsis");
    if (title && node) node.textContent = title.getAttribute("content");
  }
  function logo(at) {
    var node = document.querySelector(".md-header [data-md-component=logo]");
    var made = document.createElement("template");
    made.innerHTML = rebase(parts.header, at);
    var fresh = made.content.querySelector("[data-md-component=logo]");
    if (node && fresh) {
      absolute(fresh);
      node.replaceWith(fresh);
    }
    /* The header's icons point at the sprite itself (a header made on another page had
       them relative to that page). */
    var icons = document.querySelectorAll(".md-header use");
    for (var i = 0; i < icons.length; i++) {
      var ref = icons[i].getAttribute("xlink:href") || "";
      var hash = ref.indexOf("icons.svg#");
      if (hash >= 0) icons[i].setAttribute("xlink:href", SPRITE + ref.slice(hash + 9));
    }
  }
  /* Put a part (or several, "a+b") back where its script is, while the page is parsed. A
     part with links gets the page's base URL: instant navigation runs the script again on
     another page. */
  window.__md_chrome = function (name, at) {
    var script = document.currentScript;
    var names = name.split("+");
    var html = names.map(function (part) { return parts[part]; }).join("");
    var header = names.indexOf("header") >= 0;
    var mark = header ? document.createElement("template") : null;
    if (mark) script.parentNode.insertBefore(mark, script);
    script.insertAdjacentHTML("beforebegin", rebase(html, at || base));
    if (mark) {
      for (var node = mark.nextSibling; node !== script; node = node.nextSibling)
        if (node.nodeType === 1) absolute(node);
      mark.parentNode.removeChild(mark);
    }
    script.parentNode.removeChild(script);
    if (name === "palette" || header) palette();
    if (header) {
      topic();
      madeFor = location.pathname;
    }
    if (name === "footer") {
      if (location.pathname !== madeFor) {
        topic();
        logo(at || base);
      }
      madeFor = null;  // a later page (instant navigation, even back here) is put in
    }
  };
  /* Material's configuration (the script element it reads): the page gives its base URL,
     the rest is the same everywhere. */
  window.__md_config = function (at) {
    var config = JSON.parse(shared);
    config.base = at;
    config.search = prefix(at) + {{ "assets/briefing/search-worker.js" | tojson }};
    var node = document.createElement("script");
    node.id = "__config";
    node.type = "application/json";
    node.textContent = JSON.stringify(config);
    var script = document.currentScript;
    script.parentNode.replaceChild(node, script);
  };
})();
