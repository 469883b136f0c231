"""mkdocs hooks for the offline docs (scripts/build_docs.py names this file in the built config).

Heading anchors follow Quarto's (pandoc's) rule, so the symbol links nbdev writes (`speakers.html#speakernorm.fit`,
the same links the online `nbdev_docs` site answers) resolve here too: lowercase, punctuation other than `_ . -`
dropped, spaces as hyphens. The page's table of contents and the search index are built after this hook, from the
same ids, so all three agree.
"""
import html, re

HEADING = re.compile(r'<(h[1-6])([^>]*?)\sid="([^"]*)"([^>]*)>(.*?)</\1>', re.S)
ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">¶</a>')


def slug(text: str) -> str:
    t = re.sub(r"[^\w\s.-]", "", html.unescape(text).lower())
    t = re.sub(r"\s+", "-", t.strip())
    return re.sub(r"^[^a-z_]+", "", t) or "section"


def _text(inner: str) -> str: return re.sub(r"<[^>]+>", "", ANCHOR_LINK.sub("", inner)).strip()


def _norm(text: str) -> str: return " ".join(html.unescape(text).split())


def _words(text: str) -> list: return re.findall(r"\w+", html.unescape(text).lower())


def _within(part: list, whole: list) -> bool:
    "Whether `part`'s words occur in `whole` in order (not necessarily adjacent)."
    it = iter(whole)
    return all(w in it for w in part)


def on_page_content(content, page, config, files):
    seen, renamed, headings = {}, {}, []
    def rename(m):
        tag, pre, old, post, inner = m.groups()
        text = _norm(_text(inner))
        new = base = slug(text)
        if base in seen: seen[base] += 1; new = f"{base}-{seen[base]}"
        else: seen[base] = 0
        renamed.setdefault(old, new); headings.append((int(tag[1]), text, new))
        # the pilcrow comes from CSS (docs.css), so search results and the table of contents show bare names
        inner = ANCHOR_LINK.sub(f'<a class="anchor-link" href="#{new}" aria-label="Link to this section"></a>', inner)
        return f'<{tag}{pre} id="{new}"{post}>{inner}</{tag}>'
    content = HEADING.sub(rename, content)
    content = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{renamed.get(html.unescape(m.group(1)), m.group(1))}"', content)
    # The table of contents comes from the notebook's markdown headings, titled without their code spans
    # ("From targets to the model's" for "… model's `Steering`", "and" for "`build` and `stats`"): match each
    # entry, in order, to the next heading of its level whose words contain the title's words in order.
    def flat(links):
        for link in links: yield link; yield from flat(link.children)
    i = 0
    for link in flat(page.toc or []):
        title = _words(_text(link.title))
        for j in range(i, len(headings)):
            level, text, new = headings[j]
            if level == link.level and _within(title, _words(text)):
                link.id, i = new, j + 1; break
    return content


def on_post_build(config):
    """Nothing here is served: the 404 page and the sitemap need a web server's root, so they go. A symbol link
    to a member the page does not document on its own (`speakers.html#speakernorm.fit`) points at its class."""
    from pathlib import Path
    site = Path(config["site_dir"])
    for name in ("404.html", "sitemap.xml", "sitemap.xml.gz"): (site / name).unlink(missing_ok=True)
    pages = {p.name: set(re.findall(r'\sid="([^"]+)"', p.read_text(encoding="utf-8"))) for p in site.glob("*.html")}
    def member(m):  # a private helper named in prose (`_limits`) has no entry anywhere: its name stays, unlinked
        name, frag, rest, inner = m.groups()
        ids = pages.get(name) or set()
        while frag not in ids and "." in frag: frag = frag.rsplit(".", 1)[0]
        return f'<a href="{name}#{frag}"{rest}>{inner}</a>' if frag in ids else inner
    for p in site.glob("*.html"):
        text = p.read_text(encoding="utf-8")
        new = re.sub(r'<a href="([\w.-]+\.html)#([^"]+)"([^>]*)>(.*?)</a>', member, text, flags=re.S)
        if new != text: p.write_text(new, encoding="utf-8")
