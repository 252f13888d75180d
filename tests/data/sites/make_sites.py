#!/usr/bin/env python3
"""Writes the fixture school websites of tests/integration/test_checker_sites.c.

Each directory here is one site, served by nginx (nginx-sites.conf) as <name>.localhost. The
files are committed; run this again after changing it (from any directory):
    python3 tests/data/sites/make_sites.py
It rewrites every site directory it knows and touches nothing else. Pages in windows-1251 are
written as real cp1251 bytes; documents are small but real-looking PDF, DOC (OLE2), DOCX/ODT
(ZIP) and RTF files of more than 1 KB, except where a test wants them broken.
"""
import gzip
import io
import os
import shutil
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(site, path, data):
    full = os.path.join(HERE, site, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(full, "wb") as f:
        f.write(data)


def page(title, body, charset="utf-8", meta=None, extra_head=""):
    """A page in the style of a school site: a header menu (site chrome), content, footer."""
    if meta is None:
        meta = '<meta charset="%s">' % charset
    return (
        "<!DOCTYPE html>\n<html lang=\"ru\"><head>%s<title>%s</title>%s</head>\n<body>\n"
        '<header class="site-header"><a href="/">Главная</a></header>\n'
        '<div class="content">\n%s\n</div>\n'
        '<footer><a href="/contacts/">Контакты</a> © Школа</footer>\n'
        "</body></html>\n" % (meta, title, extra_head, body)
    )


def pdf(title, size=2400):
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    text = ("%% " + title + "\n").encode("utf-8")
    filler = b"% " + b"x" * 70 + b"\n"
    body = head + text
    while len(body) < size:
        body += filler
    return body + b"%%EOF\n"


def doc(title, size=3072):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    body = ole2 + title.encode("utf-16-le")
    return body + b"\x00" * (size - len(body))


def rtf(title):
    text = "".join("\\u%d?" % ord(c) for c in title)
    body = "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs28 %s\\par\n" % text
    while len(body) < 2048:
        body += "\\par Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
    return (body + "}\n").encode("ascii")


def entry(z, name, data, compress=zipfile.ZIP_DEFLATED):
    """A ZIP entry with a fixed date, so that the files do not change from run to run."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = compress
    z.writestr(info, data)


def docx(title):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        entry(z, "[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Override PartName="/word/document.xml" ContentType="'
                   'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+'
                   'xml"/></Types>')
        entry(z, "word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p>'
                   "</w:body></w:document>" % title)
        entry(z, "word/filler.bin", bytes(range(256)) * 6, zipfile.ZIP_STORED)
    return buf.getvalue()


def odt(title):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        entry(z, "mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        entry(z, "content.xml",
                   '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:'
                   'tc:opendocument:xmlns:office:1.0"><office:body><office:text>%s'
                   "</office:text></office:body></office:document-content>" % title)
        entry(z, "filler.bin", bytes(range(256)) * 6, zipfile.ZIP_STORED)
    return buf.getvalue()


RUSSIAN_TEXT = (
    "<p>Целевая модель наставничества в нашей школе реализуется с 2021 года. Наставничество — "
    "это универсальная технология передачи опыта и знаний, формирования навыков и ценностей. "
    "В школе сформированы наставнические пары и группы по формам «учитель — учитель», "
    "«ученик — ученик» и «учитель — ученик». Куратор внедрения целевой модели организует "
    "работу проектной группы, ведёт базы наставников и наставляемых, проводит мониторинг "
    "качества реализации программ наставничества и удовлетворённости участников.</p>"
)

MENU = ('<nav class="main-menu"><a href="/">Главная</a> <a href="/news/">Новости</a> '
        '<a href="/contacts/">Контакты</a></nav>')


def links(items):
    return "<ul>\n" + "\n".join('<li><a href="%s">%s</a></li>' % it for it in items) + "\n</ul>"


def site_cards():
    s = "cards"
    write(s, "index.html", page("МБОУ СОШ № 1", MENU + (
        '<nav class="top-menu"><a href="/sveden/">Сведения об образовательной организации</a> '
        '<a href="/nastavnichestvo/">Наставничество</a></nav>'
        "<h1>Добро пожаловать</h1><p>Новости школы.</p>")))
    cards = [
        (101, "Положение о системе наставничества педагогических работников",
         "/file/download?id=101"),
        (102, "Дорожная карта (план мероприятий) по реализации Положения о системе наставничества",
         "/upload/iblock/3f2/3f2a9c1e0b7d4e5f8a6b1c2d3e4f5a6b.pdf"),
        (103, "Приказ №14-а от 31.03.2022 «О внедрении целевой модели наставничества»",
         "/file/download?id=103"),
        (104, "Приказ о назначении куратора", "/file/download?id=104"),
        (105, "О формировании наставнических пар (групп)", "/file/download?id=105"),
        (107, "Распоряжение Минпросвещения России от 25.12.2019 № Р-145", "/file/download?id=107"),
    ]
    items = [("/file/card?id=%d" % i, t) for i, t, _ in cards]
    items.insert(5, ("/file/card?id=106", "Скачать"))
    items.append(("/file/card?id=108", "Приказ о проведении итогового мероприятия"))
    write(s, "nastavnichestvo/index.html", page("Наставничество", (
        '<nav class="main-menu"><a href="/file/card?id=900">Положение о приёме</a> '
        '<a href="/nastavnichestvo/">Наставничество</a></nav>'
        "<h1>Наставничество</h1>" + links(items))))
    for i, title, file_url in cards:
        write(s, "file/card_%d.html" % i, page(title, (
            '<div class="file-card"><h1>%s</h1><p>Дата размещения: 01.09.2023</p>'
            '<a href="%s">Скачать</a> (PDF)</div>' % (title, file_url))))
    write(s, "file/download_101.pdf", pdf("Положение"))
    write(s, "upload/iblock/3f2/3f2a9c1e0b7d4e5f8a6b1c2d3e4f5a6b.pdf", pdf("Дорожная карта"))
    write(s, "file/download_103.pdf", pdf("Приказ о внедрении"))
    write(s, "file/download_104.docx", docx("Приказ о назначении куратора"))
    write(s, "file/download_105.pdf", pdf("Приказ о парах"))
    write(s, "file/download_107.pdf", pdf("Р-145"))
    # a card with only an embedded viewer: the document is shown, not linked
    write(s, "file/card_106.html", page("Программа наставничества", (
        '<div class="file-card"><h1>Программа наставничества на 2024-2025 учебный год</h1>'
        '<iframe src="/viewer/?file=/upload/doc106.pdf" width="800" height="600"></iframe>'
        "</div>")))
    write(s, "file/card_900.html", page("Положение о приёме", "<h1>Положение о приёме</h1>"))


def site_gosweb():
    s = "gosweb"
    write(s, "index.html", page("Школа № 14", (
        '<nav class="menu"><a href="/nasha-shkola/">Наша школа</a> '
        '<a href="/pedagogam-i-sotrudnikam/">Педагогам и сотрудникам</a> '
        '<a href="/svedeniya-ob-obrazovatelnoy-organizatsii/">Сведения об образовательной '
        "организации</a></nav><h1>Школа № 14</h1>")))
    write(s, "nasha-shkola/index.html", page("Наша школа", (
        "<h1>Наша школа</h1>" + links([("/nasha-shkola/istoriya/", "История"),
                                        ("/nasha-shkola/наставничество/", "Наставничество")]))))
    write(s, "pedagogam-i-sotrudnikam/index.html", page("Педагогам", "<h1>Педагогам</h1>"))
    write(s, "nasha-shkola/наставничество/index.html", page("Наставничество", (
        "<h1>Наставничество</h1>" + links([
            ("/upload/polozhenie_o_nastavnichestve.pdf", "Скачать"),
            ("/upload/prikaz_o_vnedrenii_tselevoy_modeli.pdf", "Скачать"),
            ("/upload/dorozhnaya_karta_2024.docx", "Документ"),
            ("/upload/programma_nastavnichestva.pdf", "Программа наставничества"),
        ]) + "<p>Приказ о назначении куратора № 12 от 01.09.2023: куратором внедрения целевой "
        "модели назначена заместитель директора И. И. Иванова.</p>")))
    write(s, "upload/polozhenie_o_nastavnichestve.pdf", pdf("Положение"))
    write(s, "upload/prikaz_o_vnedrenii_tselevoy_modeli.pdf", pdf("Приказ"))
    write(s, "upload/dorozhnaya_karta_2024.docx", docx("Дорожная карта"))
    write(s, "upload/programma_nastavnichestva.pdf", pdf("Программа"))


def site_wordpress():
    s = "wordpress"
    write(s, "home.html", page("Школа", MENU + (
        '<div class="menu-primary"><a href="/?page_id=12">Наставничество</a></div>'
        "<h1>Школа</h1>")))
    write(s, "page_12.html", page("Наставничество", "<h1>Наставничество</h1>" + links([
        ("/?attachment_id=55", "Положение о наставничестве"),
        ("/2023/10/dorozhnaya-karta/attachment/dorozhnaya-karta-2023/", "Дорожная карта"),
        ("/?p=77", "Программа наставничества"),
        ("/?attachment_id=56", "Приказ о назначении куратора"),
    ])))
    write(s, "att_55.html", page("Положение о наставничестве", (
        '<article class="attachment"><h1>Положение о наставничестве</h1>'
        '<p class="attachment"><a href="/wp-content/uploads/2023/10/Положение-о-наставничестве.pdf">'
        "Положение-о-наставничестве</a></p></article>")))
    write(s, "wp-content/uploads/2023/10/Положение-о-наставничестве.pdf", pdf("Положение"))
    write(s, "2023/10/dorozhnaya-karta/attachment/dorozhnaya-karta-2023/index.html", page(
        "dorozhnaya-karta-2023", (
            '<article class="attachment"><h1>dorozhnaya-karta-2023</h1>'
            '<a href="/wp-content/uploads/2023/10/dorozhnaya-karta-2023.pdf">'
            "dorozhnaya-karta-2023</a></article>")))
    write(s, "wp-content/uploads/2023/10/dorozhnaya-karta-2023.pdf", pdf("Дорожная карта"))
    write(s, "p_77.html", page("Программа наставничества", (
        "<article><h1>Программа наставничества</h1>" + RUSSIAN_TEXT * 4 + "</article>")))
    write(s, "att_56.html", page("Приказ о назначении куратора", (
        '<article class="attachment"><h1>Приказ о назначении куратора</h1>'
        "<p>Файл будет размещён позже.</p></article>")))


def site_iframe():
    s = "iframe"  # a frameset home page, the document list in an <iframe>
    write(s, "index.html", '<html><head><meta charset="utf-8"><title>Школа</title></head>'
          '<frameset cols="220,*"><frame src="/menu.html" name="menu">'
          '<frame src="/main.html" name="main"></frameset></html>')
    write(s, "menu.html", page("Меню", (
        '<table><tr><td><a href="/nastav.html" target="main">Целевая модель наставничества</a>'
        "</td></tr></table>")))
    write(s, "main.html", page("Школа", RUSSIAN_TEXT))
    write(s, "nastav.html", page("Целевая модель наставничества", (
        '<h1>Целевая модель наставничества</h1>'
        '<iframe src="/docs/list.html" width="100%" height="400" frameborder="0"></iframe>')))
    write(s, "docs/list.html", "<html><body><table>"
          '<tr><td><a href="files/polozhenie.doc" target="_blank">Положение о наставничестве</a>'
          '<tr><td><a href="files/programma.rtf" target="_blank">Программа наставничества</a>'
          '<tr><td><a href="files/prikaz_pary.doc" target="_blank">Приказ о закреплении '
          "наставнических пар</a></table></body></html>")
    write(s, "docs/files/polozhenie.doc", doc("Положение"))
    write(s, "docs/files/programma.rtf", rtf("Программа наставничества"))
    write(s, "docs/files/prikaz_pary.doc", doc("Приказ"))


def site_homemade():
    s = "homemade"
    write(s, "index.html", "<html><body bgcolor=white><center><h2>Наша школа</h2>"
          '<a href="http://www.homemade.localhost:__PORT__/nastavnik.html">НАСТАВНИЧЕСТВО</a>'
          "</center></body></html>")
    write(s, "nastavnik.html", "<html><head><title>Наставничество</title></head><body>"
          "<h2>Наставничество</h2>" + links([
              ("old/polojenie.pdf", "Положение"),
              ("docs/dorojnaya_karta.pdf", "Дорожная карта"),
              ("docs/prikaz_kurator.pdf", "Приказ о назначении куратора"),
              ("docs/prikaz_pary.pdf", "Приказ о закреплении наставнических пар"),
              ("docs/prikaz_o_vnedrenii.pdf", "Приказ о внедрении целевой модели"),
              ("docs/programma_nastavnichestva.odt", "Программа наставничества"),
              ("docs/prikaz_itog.pdf", "Приказ о проведении итогового мероприятия"),
              ("docs/loop.pdf", "Приказ о создании Школы наставников"),
              ("docs/busy.pdf", "Целевая модель наставничества"),
              ("docs/scan.jpg", "Скан приказа"),
              ("mailto:school@example.ru", "Написать нам"),
          ]) + "</body></html>")
    write(s, "docs/polojenie_o_nastavnichestve.pdf", pdf("Положение"))
    write(s, "docs/dorojnaya_karta.pdf", pdf("Дорожная карта"))
    write(s, "docs/prikaz_kurator.pdf", pdf("Приказ"))
    write(s, "docs/programma_nastavnichestva.odt", odt("Программа наставничества"))
    write(s, "docs/prikaz_itog.pdf", b"%PDF-1.4\n% empty\n%%EOF\n")
    write(s, "docs/scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 2000)
    write(s, "errors/not-found.html", "<html><head><title>Страница не найдена</title></head>"
          "<body><h1>Ошибка 404</h1><p>Запрошенная страница не найдена.</p></body></html>")


def cp1251_page(title, body, meta):
    return page(title, body, meta=meta).encode("cp1251")


def site_cp1251():
    s = "cp1251"
    meta = '<meta charset="windows-1251">'
    write(s, "index.html", cp1251_page("Школа", MENU + (
        '<nav class="menu2"><a href="/nastavnichestvo.html">Наставничество</a></nav>'
        + RUSSIAN_TEXT), meta))
    write(s, "nastavnichestvo.html", cp1251_page("Наставничество", (
        "<h1>Наставничество</h1>" + links([
            ("/docs/doc1.pdf", "Положение о наставничестве"),
            ("/docs/doc2.pdf", "Программа наставничества"),
        ])), ""))  # no <meta>: the HTTP header says windows-1251
    write(s, "docs/doc1.pdf", pdf("1"))
    write(s, "docs/doc2.pdf", pdf("2"))


def site_cp1251bad():
    s = "cp1251bad"
    write(s, "index.html", cp1251_page("Школа", (
        '<a href="/razdel.html">Наставничество</a>' + RUSSIAN_TEXT),
        '<meta http-equiv="Content-Type" content="text/html; charset=win-1251">'))
    # labelled windows-1251, written in UTF-8
    write(s, "razdel.html", page("Наставничество", (
        "<h1>Наставничество</h1>" + links([
            ("/docs/d1.pdf", "Дорожная карта"),
            ("/docs/d2.pdf", "Приказ о назначении куратора"),
        ]) + '<iframe src="/spisok.html"></iframe>'), meta='<meta charset="windows-1251">'))
    write(s, "spisok.html", cp1251_page("Список", links([
        ("/docs/d3.pdf", "Программа наставничества")]), '<meta charset="cp-1251">'))
    for i in (1, 2, 3):
        write(s, "docs/d%d.pdf" % i, pdf(str(i)))


def site_cp1251none():
    s = "cp1251none"
    write(s, "index.html", cp1251_page("Школа", (
        '<a href="/nastav.html">Наставничество</a>' + RUSSIAN_TEXT), ""))
    write(s, "nastav.html", cp1251_page("Наставничество", (
        "<h1>Наставничество</h1>" + RUSSIAN_TEXT + links([
            ("/docs/a.pdf", "Положение о наставничестве"),
            ("/docs/b.pdf", "Приказ о формировании наставнических пар"),
        ])), ""))
    write(s, "docs/a.pdf", pdf("a"))
    write(s, "docs/b.pdf", pdf("b"))


def site_deep():
    s = "deep"
    write(s, "index.html", "<html><body>" + "<div>" * 5000 +
          '<a href="/nastavnichestvo/">Наставничество</a></body></html>')
    write(s, "nastavnichestvo/index.html", "<html><body>" + "<div class=x><span>" * 5000 +
          '<a href="/docs/p.pdf">Положение о наставничестве</a></body></html>')
    write(s, "docs/p.pdf", pdf("p"))


def site_sveden():
    s = "sveden"
    write(s, "index.html", page("Школа", MENU + (
        '<nav class="menu"><a href="/sveden/">Сведения об образовательной организации</a></nav>'
        "<h1>Школа</h1>")))
    write(s, "sveden/index.html", page("Сведения об образовательной организации", (
        "<h1>Сведения об образовательной организации</h1>" + links([
            ("/sveden/common/", "Основные сведения"),
            ("/sveden/document/", "Документы"),
            ("/sveden/nastavnichestvo/", "Наставничество"),
        ]))))
    names = [("Положение о наставничестве", "a"), ("Дорожная карта", "b"),
             ("Приказ о внедрении целевой модели наставничества", "c"),
             ("Приказ о назначении куратора", "d"),
             ("Приказ о формировании наставнических пар", "e"),
             ("Программа наставничества", "f")]
    write(s, "sveden/nastavnichestvo/index.html", page("Наставничество", (
        "<h1>Наставничество</h1>" + links([("/sveden/files/%s.pdf" % f, t) for t, f in names]))))
    for _, f in names:
        write(s, "sveden/files/%s.pdf" % f, pdf(f))


def site_nosection():
    s = "nosection"
    write(s, "index.html", page("Школа", MENU + (
        '<nav class="menu"><a href="/o-shkole/">О школе</a> <a href="/dokumenty/">Документы</a>'
        "</nav><h1>Школа</h1><p>Наши коллеги в "
        '<a href="http://cards.localhost:__PORT__/nastavnichestvo/">Наставничество</a> '
        "соседней школы.</p>")))
    write(s, "o-shkole/index.html", page("О школе", "<h1>О школе</h1>" + RUSSIAN_TEXT))
    write(s, "dokumenty/index.html", page("Документы", "<h1>Документы</h1>" + links([
        ("/dokumenty/ustav.pdf", "Устав"),
        ("/dokumenty/priem.pdf", "Положение о правилах приёма"),
    ])))
    write(s, "dokumenty/ustav.pdf", pdf("Устав"))
    write(s, "dokumenty/priem.pdf", pdf("Приём"))


def site_deadlink():
    s = "deadlink"  # the menu's «Наставничество» is dead; the section lives under /sveden/
    write(s, "index.html", page("Школа", (
        '<nav class="menu"><a href="/nastavnichestvo-old/">Наставничество</a> '
        '<a href="/sveden/">Сведения об образовательной организации</a></nav>')))
    write(s, "sveden/index.html", page("Сведения", "<h1>Сведения</h1>" + links([
        ("/sveden/nastav/", "Наставничество")])))
    write(s, "sveden/nastav/index.html", page("Наставничество", "<h1>Наставничество</h1>" + links([
        ("/sveden/nastav/programma.pdf", "Программа наставничества")])))
    write(s, "sveden/nastav/programma.pdf", pdf("p"))


def site_hint():
    s = "hint"
    write(s, "index.html", page("Школа", MENU + "<h1>Школа</h1>"))
    write(s, "secret/razdel/index.html", page("Раздел", (
        "<h1>Работа с молодыми педагогами</h1>" + links([
            ("/secret/razdel/p.pdf", "Положение о наставничестве")]))))
    write(s, "secret/razdel/p.pdf", pdf("p"))


def site_robots():
    s = "robots"
    write(s, "robots.txt", "User-agent: *\nDisallow: /private/\n\n"
          "User-agent: mentorwatch-checker\nDisallow: /closed/\n")
    write(s, "index.html", page("Школа", '<nav class="x"><a href="/nastavnichestvo/">'
                                        "Наставничество</a></nav>"))
    write(s, "nastavnichestvo/index.html", page("Наставничество", "<h1>Наставничество</h1>" + links([
        ("/private/polozhenie.pdf", "Положение о наставничестве"),
        ("/closed/programma.pdf", "Программа наставничества"),
    ])))
    write(s, "private/polozhenie.pdf", pdf("p"))
    write(s, "closed/programma.pdf", pdf("c"))


def site_huge():
    s = "huge"  # the 10 MB home page (big.html) is written by the test into its own directory
    write(s, "nastavnichestvo/index.html", page("Наставничество", "<h1>Наставничество</h1>" + links([
        ("/docs/p.pdf", "Положение о наставничестве")])))
    write(s, "docs/p.pdf", pdf("p"))


def site_bomb():
    s = "bomb"  # 100 MB of spaces behind 100 KB of gzip, links at both ends
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as z:
        z.write('<html><body><a href="/nastavnichestvo/">Наставничество</a>'.encode("utf-8"))
        chunk = b" " * (1 << 20)
        for _ in range(100):
            z.write(chunk)
        z.write('<a href="/trap/">Наставничество</a></body></html>'.encode("utf-8"))
    write(s, "bomb.html.gz", raw.getvalue())
    write(s, "nastavnichestvo/index.html", page("Наставничество", "<h1>Наставничество</h1>" + links([
        ("/docs/p.pdf", "Положение о наставничестве")])))
    write(s, "docs/p.pdf", pdf("p"))


def site_slow():
    s = "slow"  # served at 1 byte per second
    write(s, "index.html", page("Школа", "<p>" + "медленно " * 300 + "</p>"))


def site_moved():
    s = "newschool"  # moved.localhost redirects here (nginx-sites.conf)
    write(s, "index.html", page("Школа", '<nav class="menu"><a href="/nastavnichestvo/">'
                                        "Наставничество</a></nav>"))
    write(s, "nastavnichestvo/index.html", page("Наставничество", "<h1>Наставничество</h1>" + links([
        ("/docs/p.pdf", "Положение о наставничестве")])))
    write(s, "docs/p.pdf", pdf("p"))


def site_idn():
    s = "idn"  # школа.localhost (xn--80atdl2c.localhost)
    write(s, "index.html", page("Школа", '<nav class="menu"><a href="/наставничество/">'
                                        "Наставничество</a></nav>"))
    write(s, "наставничество/index.html", page("Наставничество", "<h1>Наставничество</h1>" + links([
        ("/документы/положение.pdf", "Положение о наставничестве")])))
    write(s, "документы/положение.pdf", pdf("p"))


SITES = [site_cards, site_gosweb, site_wordpress, site_iframe, site_homemade, site_cp1251,
         site_cp1251bad, site_cp1251none, site_deep, site_sveden, site_nosection, site_deadlink,
         site_hint, site_robots, site_huge, site_bomb, site_slow, site_moved, site_idn]

if __name__ == "__main__":
    for make in SITES:
        name = {"site_moved": "newschool"}.get(make.__name__, make.__name__[len("site_"):])
        shutil.rmtree(os.path.join(HERE, name), ignore_errors=True)
        make()
    print("wrote %d sites under %s" % (len(SITES), HERE))
