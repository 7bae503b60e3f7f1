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
{%- set tabs %}{% if "navigation.tabs" in features %}{% include "material-theme/partials/tabs.html" %}{% endif %}{% endset -%}
/* Made by briefing from Material for MkDocs' partials: see briefing/mkdocs_ext/chrome.py. */
(function () {
  var here = document.currentScript.getAttribute("src");
  var base = here.slice(0, here.length - "assets/briefing/chrome.js".length);
  base = base === "" ? "." : base === "/" ? base : base.replace(/\/$/, "");
  var BASE = {{ briefing_base | tojson }};
  {{ md_base | replace("<script>", "") | replace("</script>", "") | replace('"' ~ briefing_base ~ '"', "base") | trim }};
  var parts = {{ {
    "palette": palette | briefing_compact,
    "search": search | briefing_compact,
    "top": top | briefing_compact,
    "nav": navigation | briefing_compact,
    "tabs": tabs | briefing_compact,
    "sidebars": sidebars | briefing_compact
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
  /* Put a part back where its script is, while the page is parsed. A part with links gets
     the page's base URL: instant navigation runs the script again on another page. */
  window.__md_chrome = function (name, at) {
    var script = document.currentScript;
    script.insertAdjacentHTML("beforebegin", rebase(parts[name], at || base));
    script.parentNode.removeChild(script);
    if (name === "palette") palette();
  };
  /* Material's configuration: the page gives its base URL, the rest is the same everywhere. */
  window.__md_config = function () {
    var node = document.getElementById("__config");
    var config = JSON.parse(shared);
    config.base = JSON.parse(node.textContent).base;
    config.search = prefix(config.base) + {{ "assets/briefing/search-worker.js" | tojson }};
    node.textContent = JSON.stringify(config);
    var script = document.currentScript;
    script.parentNode.removeChild(script);
  };
})();
