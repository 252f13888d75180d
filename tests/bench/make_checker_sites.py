#!/usr/bin/env python3
"""Writes N generated school websites for the checker benchmark (bench_checker.sh).

Every site is a directory sites/<name>/ served by nginx as <name>.localhost, in one of three
layouts taken from DOMAIN.md, "What real sites look like":

  direct  a home-made site: the home page links «Наставничество» (/nastavnichestvo/), whose
          page links the files directly (/docs/polozhenie_o_nastavnichestve.pdf, ...);
  cards   the regional constructor: the section page links card pages (/file/card?id=N) that
          carry the title and link the file (/file/download?id=N, a hash-named file behind);
  sveden  Госвеб-like: the home page has no mentoring link; «Сведения об образовательной
          организации» (/sveden/) leads to /sveden/nastavnichestvo/, files under /upload/.

Every site also has a robots.txt, /news/, /contacts/ and /sveden/ with two sub-pages (the pages
any school site has), 6 to 12 documents (PDF or DOCX: real magic bytes, 1.5 to 24 KB, hard
links into a shared pool), one in ten pages in windows-1251, and some broken links (a file that
is not there: 404). The same N always gives the same bytes.

Writes, in OUT: sites/, pool/, schools.csv (the checker's input), urls.txt (the home pages),
expected.tsv (per site: layout, documents, broken ones, required codes missing) and
summary.json (totals). Usage: make_checker_sites.py --sites 2000 OUT
"""
import argparse
import io
import json
import os
import random
import shutil
import zipfile

REQUIRED = ("regulation", "roadmap", "order_implementation", "order_curator", "order_pairs",
            "program")

# (type, [link texts], transliterated file stem). {n} is the school's number.
DOCUMENTS = [
    ("regulation", ["Положение о наставничестве",
                    "Положение о системе наставничества педагогических работников",
                    "ПОЛОЖЕНИЕ О ЦЕЛЕВОЙ МОДЕЛИ НАСТАВНИЧЕСТВА (новая редакция)",
                    "Положение о наставничестве в МБОУ СОШ №{n}"],
     "polozhenie_o_nastavnichestve"),
    ("roadmap", ["Дорожная карта (план мероприятий) по реализации Положения о системе "
                 "наставничества педагогических работников",
                 "\"Дорожная карта\" реализации целевой модели на 2024-2025 г.г.",
                 "План мероприятий (дорожная карта) по внедрению целевой модели наставничества"],
     "dorozhnaya_karta"),
    ("order_implementation", ["Приказ №14-а от 31.08.2024 \"О внедрении целевой модели "
                              "наставничества\"",
                              "Приказ о внедрении целевой модели наставничества"],
     "prikaz_o_vnedrenii_tselevoy_modeli"),
    ("order_curator", ["Приказ о назначении куратора внедрения целевой модели наставничества",
                       "Приказ о назначении координатора наставничества"],
     "prikaz_o_naznachenii_kuratora"),
    ("order_pairs", ["Приказ о формировании наставнических пар (групп)",
                     "Приказ об утверждении наставнических пар на 2024-2025 учебный год"],
     "prikaz_o_nastavnicheskih_parah"),
    ("program", ["Программа наставничества на 2024-2025 учебный год",
                 "ПРОГРАММА ЦЕЛЕВОЙ МОДЕЛИ НАСТАВНИЧЕСТВА"],
     "programma_nastavnichestva"),
    ("order_mentor_school", ["Приказ об организации «Школы наставников»"],
     "prikaz_shkola_nastavnikov"),
    ("order_final_event", ["Приказ о проведении итогового мероприятия по наставничеству"],
     "prikaz_itogovoe_meropriyatie"),
    ("target_model", ["Целевая модель наставничества МБОУ СОШ №{n}"], "tselevaya_model"),
    ("other", ["Распоряжение Минпросвещения России от 25.12.2019 № Р-145"], "rasporyazhenie_r145"),
    ("other", ["Методические рекомендации по внедрению методологии (целевой модели) "
               "наставничества"], "metodicheskie_rekomendatsii"),
]
OPTIONAL = DOCUMENTS[len(REQUIRED):]

POOL_PDF = 48
POOL_DOCX = 16

MENU = [("/", "Главная"), ("/sveden/", "Сведения об образовательной организации"),
        ("/news/", "Новости"), ("/contacts/", "Контакты")]


def page(title, body, charset, menu_extra=()):
    """A school site's page: a header menu (chrome), the content, a footer."""
    links = "".join('<li><a href="%s">%s</a></li>' % item for item in list(MENU) + list(menu_extra))
    html = ("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"%s\"><title>%s</title>"
            "</head>\n<body>\n<header><nav><ul class=\"menu\">%s</ul></nav></header>\n"
            "<main class=\"content\">\n<h1>%s</h1>\n%s\n</main>\n"
            "<footer><a href=\"/contacts/\">Контакты</a> © %s</footer>\n</body></html>\n"
            % (charset, title, links, title, body, title))
    return html.encode("cp1251" if charset == "windows-1251" else "utf-8")


def pdf(n, size):
    """A small, well-formed one-page PDF padded to about `size` bytes by its content stream."""
    text = "BT /F1 12 Tf 72 720 Td (Document %d) Tj ET\n" % n
    text += "% " + "0123456789abcdef" * 4 + "\n"
    stream = (text * (size // len(text) + 1))[:max(size - 600, 200)].encode("ascii")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, xref))
    return out.getvalue()


def docx(n, size):
    """A minimal WordprocessingML package, stored (not deflated) so its size is about `size`."""
    para = "<w:p><w:r><w:t>Документ %d. Наставничество в школе.</w:t></w:r></w:p>" % n
    body = para * max(1, (size - 1500) // len(para.encode("utf-8")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxml'
                   'formats.org/package/2006/content-types"><Default Extension="rels" ContentType='
                   '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension'
                   '="xml" ContentType="application/xml"/><Override PartName="/word/document.xml"'
                   ' ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                   'document.main+xml"/></Types>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
                   'openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body>'
                   '</w:document>' % body)
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
                   '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="word/document.xml"/></Relationships>')
    return out.getvalue()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def make_pool(out):
    rng = random.Random(0)
    pool = {"pdf": [], "docx": []}
    for i in range(POOL_PDF):
        path = os.path.join(out, "pool", "doc%02d.pdf" % i)
        write(path, pdf(i, rng.randint(1536, 24576)))
        pool["pdf"].append(path)
    for i in range(POOL_DOCX):
        path = os.path.join(out, "pool", "doc%02d.docx" % i)
        write(path, docx(i, rng.randint(2048, 16384)))
        pool["docx"].append(path)
    return pool


def make_site(out, pool, index, name):
    rng = random.Random(index)
    layout = ("direct", "cards", "sveden")[index % 3]
    charset = "windows-1251" if index % 10 == 7 else "utf-8"
    root = os.path.join(out, "sites", name)
    title = "МБОУ «СОШ №%d»" % index

    # Which documents: the six required (one left out on one site in five), then optional ones.
    chosen = list(DOCUMENTS[:len(REQUIRED)])
    if rng.random() < 0.2:
        chosen.pop(rng.randrange(len(chosen)))
    extra = rng.randint(6, 12) - len(chosen)
    chosen += rng.sample(OPTIONAL, min(max(extra, 0), len(OPTIONAL)))
    rng.shuffle(chosen)
    broken = rng.randrange(len(chosen)) if rng.random() < 0.3 else -1

    items, missing = [], set(REQUIRED)
    for k, (dtype, texts, stem) in enumerate(chosen):
        kind = "docx" if rng.random() < 0.3 else "pdf"
        text = rng.choice(texts).format(n=index)
        src = rng.choice(pool[kind])
        doc_id = 1000 + index * 20 + k
        if layout == "direct":
            href = "/docs/%s.%s" % (stem, kind)
            target = os.path.join(root, href[1:])
        elif layout == "cards":
            href = "/file/card?id=%d" % doc_id
            target = os.path.join(root, "file", "download_%d.%s" % (doc_id, kind))
            card = ('<p class="doc-card">Документ опубликован %02d.09.2024</p>\n'
                    '<p><a href="/file/download?id=%d">Скачать</a> (%s)</p>'
                    % (1 + k, doc_id, kind.upper()))
            write(os.path.join(root, "file", "card_%d.html" % doc_id), page(text, card, charset))
        else:
            href = "/upload/iblock/%04x%02d/%s.%s" % (index, k, stem, kind)
            target = os.path.join(root, href[1:])
        if k == broken:
            pass  # the link stays, the file is not there: 404
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.link(src, target)
            missing.discard(dtype)
        items.append('<li><a href="%s">%s</a></li>' % (href, text))

    section_body = ("<p>Целевая модель наставничества в %s: нормативные документы, "
                    "программы и приказы.</p>\n<ul class=\"documents\">\n%s\n</ul>"
                    % (title, "\n".join(items)))
    section_menu = ()
    if layout == "sveden":
        section_path = "sveden/nastavnichestvo/index.html"
    else:
        section_path = "nastavnichestvo/index.html"
        section_menu = (("/nastavnichestvo/", "Наставничество"),)
    write(os.path.join(root, section_path), page("Наставничество", section_body, charset,
                                                  section_menu))

    news = "".join("<article><h2>Новость %d</h2><p>%s провела родительское собрание.</p>"
                   "</article>" % (i, title) for i in range(1, 4))
    home_body = ("<p>Добро пожаловать на официальный сайт %s.</p>\n%s" % (title, news))
    write(os.path.join(root, "index.html"), page(title, home_body, charset, section_menu))
    write(os.path.join(root, "news", "index.html"), page("Новости", news, charset, section_menu))
    write(os.path.join(root, "contacts", "index.html"),
          page("Контакты", "<p>Адрес: ул. Школьная, д. %d. Телефон: 8 (800) 000-00-00.</p>"
               % index, charset, section_menu))
    sveden = ['<li><a href="/sveden/common/">Основные сведения</a></li>',
              '<li><a href="/sveden/document/">Документы</a></li>']
    if layout == "sveden":
        sveden.append('<li><a href="/sveden/nastavnichestvo/">Наставничество</a></li>')
    write(os.path.join(root, "sveden", "index.html"),
          page("Сведения об образовательной организации",
               "<ul class=\"sveden\">%s</ul>" % "".join(sveden), charset, section_menu))
    write(os.path.join(root, "sveden", "common", "index.html"),
          page("Основные сведения", "<p>Дата создания: 1975 год.</p>", charset, section_menu))
    write(os.path.join(root, "sveden", "document", "index.html"),
          page("Документы", "<p>Устав, лицензия и свидетельство об аккредитации.</p>", charset,
               section_menu))
    write(os.path.join(root, "robots.txt"), b"User-agent: *\nDisallow: /search/\n")
    return {"name": name, "layout": layout, "charset": charset, "documents": len(chosen),
            "broken": 1 if broken >= 0 else 0, "missing": sorted(missing)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=2000)
    ap.add_argument("--port", type=int, default=80, help="nginx's port, in the home page URLs")
    ap.add_argument("out")
    args = ap.parse_args()
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    pool = make_pool(args.out)
    width = max(4, len(str(args.sites)))
    port = "" if args.port == 80 else ":%d" % args.port
    sites = []
    for i in range(1, args.sites + 1):
        sites.append(make_site(args.out, pool, i, "school-%0*d" % (width, i)))
    with open(os.path.join(args.out, "schools.csv"), "w") as f:
        f.write("code,website,section\n")
        for s in sites:
            f.write("%s,http://%s.localhost%s/,\n" % (s["name"].upper(), s["name"], port))
    with open(os.path.join(args.out, "urls.txt"), "w") as f:
        for s in sites:
            f.write("http://%s.localhost%s/\n" % (s["name"], port))
    with open(os.path.join(args.out, "expected.tsv"), "w") as f:
        f.write("school\tlayout\tcharset\tdocuments\tbroken\tmissing\n")
        for s in sites:
            f.write("%s\t%s\t%s\t%d\t%d\t%s\n" % (s["name"].upper(), s["layout"], s["charset"],
                                                  s["documents"], s["broken"],
                                                  ",".join(s["missing"])))
    summary = {
        "sites": len(sites),
        "documents": sum(s["documents"] for s in sites),
        "broken": sum(s["broken"] for s in sites),
        "layouts": {k: sum(1 for s in sites if s["layout"] == k)
                    for k in ("direct", "cards", "sveden")},
        "windows_1251": sum(1 for s in sites if s["charset"] != "utf-8"),
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
