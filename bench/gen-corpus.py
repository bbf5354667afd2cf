#!/usr/bin/env python3
"""gen-corpus.py: a deterministic corpus of news feeds for herald's benchmarks.

Usage:
    gen-corpus.py [--seed N] [--count N] [--items N] [OUTDIR]
    gen-corpus.py [--seed N] [--format rss|atom|rdf] --big MIB FILE

The first form writes COUNT feeds (default 1000) of about ITEMS items each
(default 50, varied by +-10) into OUTDIR (default bench/corpus/ next to this
script): a mix of RSS 2.0 (50%), Atom 1.0 (30%) and RSS 1.0 / RDF (20%), with
news-like text about EU policy in ten EU languages, HTML in descriptions
(escaped and in CDATA), XML entities (&amp;, numeric character references),
dc:creator, categories, enclosures, media:content, content:encoded, Atom
html/xhtml content, xml:base with relative links, and dates in RFC 822 and
RFC 3339.  It ends with MANIFEST, which lists the files and a SHA-256 of the
whole corpus: the same seed gives the same bytes on any machine (the
generator uses only the standard library and no locale-dependent calls).

The second form streams one feed of at least MIB MiB to FILE, item by item,
without building it in memory (default format rss).

Every file is well-formed XML, UTF-8, with no DTD and no named entity other
than XML's five, so any XML parser (xmllint --stream) reads all of it.
"""

import argparse
import hashlib
import os
import random
import re
import sys
import uuid

GENERATOR_VERSION = 1

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec")

# Per language: subjects, verbs, objects, tails ({n}, {m}: numbers),
# categories, outlet names, section names.
LANGS = {
    "en": dict(
        subj=["The European Commission", "The European Parliament",
              "The Council of the EU", "The European Central Bank",
              "The Court of Justice of the EU", "The Danish Council presidency",
              "The Parliament's environment committee", "Eurostat",
              "The EU's foreign policy chief", "The Eurogroup"],
        verb=["proposed", "adopted", "rejected", "postponed a vote on",
              "reached a provisional agreement on", "published guidelines on",
              "opened an infringement procedure over",
              "called for stricter rules on", "agreed to review", "welcomed"],
        obj=["the Digital Markets Act", "the 2040 climate target",
             "the pact on migration and asylum",
             "the next multiannual financial framework",
             "the AI Act's codes of practice",
             "the carbon border adjustment mechanism",
             "state aid for semiconductors", "the reform of the CAP",
             "research & innovation funding", "sanctions against Russia",
             "the Critical Raw Materials Act", "rules on data retention"],
        tail=["after months of negotiations",
              "despite objections from several capitals",
              "ahead of the summit in Brussels",
              "in a plenary vote in Strasbourg",
              "following a public consultation",
              "with a budget of \u20ac{n} billion", "by {n}0 votes to {m}0",
              "on Tuesday", "in a \u201chistoric\u201d decision"],
        cat=["Climate", "Digital", "Migration", "Budget", "Agriculture",
             "Trade", "Energy", "Competition", "Foreign affairs",
             "Rule of law"],
        outlet=["EU Policy Watch", "Brussels Briefing", "The Euro Desk"],
        section=["Politics", "Economy", "Environment", "Tech & Society"]),
    "fr": dict(
        subj=["La Commission européenne", "Le Parlement européen",
              "Le Conseil de l'UE", "La Banque centrale européenne",
              "La Cour de justice de l'UE", "La présidence danoise du Conseil",
              "La commission ENVI du Parlement", "Le haut représentant"],
        verb=["a proposé", "a adopté", "a rejeté", "a reporté le vote sur",
              "a conclu un accord provisoire sur",
              "a publié des lignes directrices sur",
              "a ouvert une procédure d'infraction concernant",
              "réclame des règles plus strictes sur", "a salué"],
        obj=["le règlement sur les marchés numériques",
             "l'objectif climatique pour 2040",
             "le pacte sur la migration et l'asile",
             "le prochain cadre financier pluriannuel",
             "la réforme de la politique agricole commune",
             "le mécanisme d'ajustement carbone aux frontières",
             "les aides d'État aux semi-conducteurs",
             "le financement de la recherche & de l'innovation",
             "les sanctions contre la Russie",
             "la directive sur le devoir de vigilance"],
        tail=["après des mois de négociations",
              "malgré les réserves de plusieurs capitales",
              "à la veille du sommet de Bruxelles",
              "lors d'un vote en plénière à Strasbourg",
              "à l'issue d'une consultation publique",
              "avec un budget de {n} milliards d'euros",
              "par {n}0 voix contre {m}0", "« une décision historique »"],
        cat=["Climat", "Numérique", "Migrations", "Budget", "Agriculture",
             "Commerce", "Énergie", "Concurrence", "État de droit"],
        outlet=["Europe & Politique", "Le Fil européen", "Bruxelles Direct"],
        section=["Politique", "Économie", "Environnement", "Société"]),
    "de": dict(
        subj=["Die Europäische Kommission", "Das Europäische Parlament",
              "Der Rat der EU", "Die Europäische Zentralbank",
              "Der Gerichtshof der EU", "Die dänische Ratspräsidentschaft",
              "Der Umweltausschuss des Parlaments", "Die Eurogruppe"],
        verb=["billigt", "kritisiert", "verschiebt die Abstimmung über",
              "einigt sich vorläufig auf", "veröffentlicht Leitlinien zu",
              "leitet ein Vertragsverletzungsverfahren ein wegen",
              "fordert strengere Regeln für", "begrüßt", "prüft"],
        obj=["den Digital Markets Act", "das Klimaziel für 2040",
             "den Migrations- und Asylpakt",
             "den nächsten mehrjährigen Finanzrahmen",
             "die Reform der Gemeinsamen Agrarpolitik",
             "das CO\u2082-Grenzausgleichssystem",
             "Beihilfen für Halbleiterwerke",
             "die Förderung von Forschung & Entwicklung",
             "die Sanktionen gegen Russland", "die Lieferkettenrichtlinie"],
        tail=["nach monatelangen Verhandlungen",
              "trotz Bedenken mehrerer Hauptstädte",
              "vor dem Gipfel in Brüssel",
              "bei einer Plenarabstimmung in Straßburg",
              "nach einer öffentlichen Konsultation",
              "mit einem Budget von {n} Mrd. \u20ac",
              "mit {n}0 zu {m}0 Stimmen", "\u201eein historischer Schritt\u201c"],
        cat=["Klima", "Digitales", "Migration", "Haushalt", "Landwirtschaft",
             "Handel", "Energie", "Wettbewerb", "Rechtsstaat"],
        outlet=["Brüssel aktuell", "Europa-Ticker", "EU-Nachrichten"],
        section=["Politik", "Wirtschaft", "Umwelt", "Gesellschaft"]),
    "pl": dict(
        subj=["Komisja Europejska", "Parlament Europejski", "Rada UE",
              "Europejski Bank Centralny", "Trybunał Sprawiedliwości UE",
              "Duńska prezydencja w Radzie UE", "Komisja ENVI",
              "Eurogrupa"],
        verb=["przyjmuje", "odrzuca", "proponuje", "przekłada głosowanie nad",
              "publikuje wytyczne dotyczące", "wszczyna postępowanie w sprawie",
              "popiera", "krytykuje", "analizuje"],
        obj=["akt o rynkach cyfrowych", "cel klimatyczny na 2040 r.",
             "pakt o migracji i azylu", "wieloletnie ramy finansowe",
             "reformę wspólnej polityki rolnej",
             "graniczny podatek węglowy", "pomoc publiczną dla półprzewodników",
             "finansowanie badań & innowacji", "sankcje wobec Rosji",
             "dyrektywę o należytej staranności"],
        tail=["po wielomiesięcznych negocjacjach",
              "mimo zastrzeżeń kilku stolic", "przed szczytem w Brukseli",
              "w głosowaniu na sesji plenarnej w Strasburgu",
              "po konsultacjach społecznych", "z budżetem {n} mld euro",
              "stosunkiem głosów {n}0 do {m}0", "\u201ehistoryczna decyzja\u201d"],
        cat=["Klimat", "Cyfryzacja", "Migracja", "Budżet", "Rolnictwo",
             "Handel", "Energia", "Konkurencja", "Praworządność"],
        outlet=["Unia Europejska \u2013 wiadomości", "Brukselski Przegląd",
                "Euroserwis"],
        section=["Polityka", "Gospodarka", "Środowisko", "Społeczeństwo"]),
    "el": dict(
        subj=["Η Ευρωπαϊκή Επιτροπή", "Το Ευρωπαϊκό Κοινοβούλιο",
              "Το Συμβούλιο της ΕΕ", "Η Ευρωπαϊκή Κεντρική Τράπεζα",
              "Το Δικαστήριο της ΕΕ", "Η δανική προεδρία του Συμβουλίου",
              "Η Ευρωομάδα"],
        verb=["προτείνει", "εγκρίνει", "απορρίπτει",
              "αναβάλλει την ψηφοφορία για",
              "δημοσιεύει κατευθυντήριες γραμμές για",
              "κινεί διαδικασία επί παραβάσει για", "χαιρετίζει",
              "επανεξετάζει"],
        obj=["την πράξη για τις ψηφιακές αγορές",
             "τον κλιματικό στόχο του 2040",
             "το σύμφωνο για τη μετανάστευση και το άσυλο",
             "το νέο πολυετές δημοσιονομικό πλαίσιο",
             "τη μεταρρύθμιση της Κοινής Αγροτικής Πολιτικής",
             "τις κυρώσεις κατά της Ρωσίας",
             "τον μηχανισμό συνοριακής προσαρμογής άνθρακα",
             "τη χρηματοδότηση έρευνας & καινοτομίας"],
        tail=["μετά από μήνες διαπραγματεύσεων",
              "παρά τις αντιρρήσεις αρκετών πρωτευουσών",
              "ενόψει της συνόδου κορυφής στις Βρυξέλλες",
              "σε ψηφοφορία της ολομέλειας στο Στρασβούργο",
              "με προϋπολογισμό {n} δισ. ευρώ",
              "με {n}0 ψήφους υπέρ και {m}0 κατά", "«ιστορική απόφαση»"],
        cat=["Κλίμα", "Ψηφιακά", "Μετανάστευση", "Προϋπολογισμός",
             "Γεωργία", "Εμπόριο", "Ενέργεια", "Ανταγωνισμός"],
        outlet=["Ευρώπη Σήμερα", "Βρυξέλλες & Αθήνα", "Ευρω-Ειδήσεις"],
        section=["Πολιτική", "Οικονομία", "Περιβάλλον", "Κοινωνία"]),
    "es": dict(
        subj=["La Comisión Europea", "El Parlamento Europeo",
              "El Consejo de la UE", "El Banco Central Europeo",
              "El Tribunal de Justicia de la UE", "La presidencia danesa",
              "El Eurogrupo"],
        verb=["propone", "aprueba", "rechaza", "aplaza la votación sobre",
              "publica directrices sobre",
              "abre un procedimiento de infracción por",
              "pide normas más estrictas sobre", "celebra", "revisa"],
        obj=["la Ley de Mercados Digitales", "el objetivo climático para 2040",
             "el pacto de migración y asilo",
             "el próximo marco financiero plurianual",
             "la reforma de la Política Agrícola Común",
             "las sanciones contra Rusia",
             "el mecanismo de ajuste en frontera por carbono",
             "la financiación de I+D & innovación"],
        tail=["tras meses de negociaciones",
              "pese a las reservas de varias capitales",
              "antes de la cumbre de Bruselas",
              "en una votación en el pleno de Estrasburgo",
              "con un presupuesto de {n}.000 millones de euros",
              "por {n}0 votos a favor y {m}0 en contra",
              "¿una decisión «histórica»?"],
        cat=["Clima", "Digital", "Migración", "Presupuesto", "Agricultura",
             "Comercio", "Energía", "Competencia"],
        outlet=["Europa al día", "Bruselas & Madrid", "Crónica Europea"],
        section=["Política", "Economía", "Medio ambiente", "Sociedad"]),
    "it": dict(
        subj=["La Commissione europea", "Il Parlamento europeo",
              "Il Consiglio dell'UE", "La Banca centrale europea",
              "La Corte di giustizia dell'UE", "La presidenza danese",
              "L'Eurogruppo"],
        verb=["propone", "approva", "respinge", "rinvia il voto su",
              "pubblica orientamenti su", "avvia una procedura d'infrazione su",
              "chiede regole più severe su", "accoglie con favore",
              "riesamina"],
        obj=["il regolamento sui mercati digitali",
             "l'obiettivo climatico per il 2040",
             "il patto su migrazione e asilo",
             "il prossimo quadro finanziario pluriennale",
             "la riforma della politica agricola comune",
             "le sanzioni contro la Russia",
             "il meccanismo di adeguamento del carbonio alle frontiere",
             "i fondi per ricerca & innovazione"],
        tail=["dopo mesi di negoziati",
              "nonostante le riserve di diverse capitali",
              "in vista del vertice di Bruxelles",
              "con un voto in plenaria a Strasburgo",
              "con una dotazione di {n} miliardi di euro",
              "con {n}0 voti a favore e {m}0 contrari",
              "«una svolta storica»"],
        cat=["Clima", "Digitale", "Migrazione", "Bilancio", "Agricoltura",
             "Commercio", "Energia", "Concorrenza"],
        outlet=["Europa Oggi", "Bruxelles & Roma", "Il Corriere UE"],
        section=["Politica", "Economia", "Ambiente", "Società"]),
    "nl": dict(
        subj=["De Europese Commissie", "Het Europees Parlement",
              "De Raad van de EU", "De Europese Centrale Bank",
              "Het Hof van Justitie van de EU", "Het Deense voorzitterschap",
              "De Eurogroep"],
        verb=["verwerpt", "steunt", "verdaagt de stemming over",
              "publiceert richtsnoeren over",
              "opent een inbreukprocedure over",
              "eist strengere regels voor", "verwelkomt", "bespreekt"],
        obj=["de verordening digitale markten", "het klimaatdoel voor 2040",
             "het migratie- en asielpact",
             "het volgende meerjarig financieel kader",
             "de hervorming van het gemeenschappelijk landbouwbeleid",
             "de sancties tegen Rusland", "het koolstofgrensmechanisme",
             "subsidies voor onderzoek & innovatie"],
        tail=["na maandenlange onderhandelingen",
              "ondanks bezwaren van meerdere hoofdsteden",
              "in aanloop naar de top in Brussel",
              "tijdens een plenaire stemming in Straatsburg",
              "met een budget van \u20ac{n} miljard",
              "met {n}0 stemmen voor en {m}0 tegen", "\u2018een historisch besluit\u2019"],
        cat=["Klimaat", "Digitaal", "Migratie", "Begroting", "Landbouw",
             "Handel", "Energie", "Mededinging"],
        outlet=["Europa Nu", "Brussel & Den Haag", "EU-Nieuws"],
        section=["Politiek", "Economie", "Milieu", "Samenleving"]),
    "pt": dict(
        subj=["A Comissão Europeia", "O Parlamento Europeu",
              "O Conselho da UE", "O Banco Central Europeu",
              "O Tribunal de Justiça da UE", "A presidência dinamarquesa",
              "O Eurogrupo"],
        verb=["propõe", "aprova", "rejeita", "adia a votação sobre",
              "publica orientações sobre",
              "abre um processo de infração sobre",
              "pede regras mais rigorosas para", "saúda", "revê"],
        obj=["o Regulamento dos Mercados Digitais",
             "a meta climática para 2040",
             "o pacto em matéria de migração e asilo",
             "o próximo quadro financeiro plurianual",
             "a reforma da Política Agrícola Comum",
             "as sanções contra a Rússia",
             "o mecanismo de ajustamento carbónico fronteiriço",
             "o financiamento de investigação & inovação"],
        tail=["após meses de negociações",
              "apesar das reservas de várias capitais",
              "antes da cimeira de Bruxelas",
              "numa votação em plenário em Estrasburgo",
              "com um orçamento de {n} mil milhões de euros",
              "com {n}0 votos a favor e {m}0 contra",
              "«uma decisão histórica»"],
        cat=["Clima", "Digital", "Migração", "Orçamento", "Agricultura",
             "Comércio", "Energia", "Concorrência"],
        outlet=["Europa Hoje", "Bruxelas & Lisboa", "Diário Europeu"],
        section=["Política", "Economia", "Ambiente", "Sociedade"]),
    "cs": dict(
        subj=["Evropská komise", "Evropský parlament", "Rada EU",
              "Evropská centrální banka", "Soudní dvůr EU",
              "Dánské předsednictví", "Euroskupina"],
        verb=["navrhuje", "schvaluje", "zamítá", "odkládá hlasování o",
              "zveřejňuje pokyny k", "zahajuje řízení o nesplnění povinnosti kvůli",
              "vítá", "přezkoumává"],
        obj=["akt o digitálních trzích", "klimatický cíl pro rok 2040",
             "pakt o migraci a azylu", "příští víceletý finanční rámec",
             "reformu společné zemědělské politiky", "sankce proti Rusku",
             "uhlíkové clo", "financování výzkumu & inovací"],
        tail=["po měsících vyjednávání",
              "navzdory výhradám několika metropolí",
              "před summitem v Bruselu",
              "v hlasování na plenárním zasedání ve Štrasburku",
              "s rozpočtem {n} mld. eur", "poměrem hlasů {n}0 : {m}0",
              "\u201ehistorické rozhodnutí\u201c"],
        cat=["Klima", "Digitalizace", "Migrace", "Rozpočet", "Zemědělství",
             "Obchod", "Energetika", "Hospodářská soutěž"],
        outlet=["Evropa dnes", "Brusel & Praha", "EU zpravodaj"],
        section=["Politika", "Ekonomika", "Životní prostředí", "Společnost"]),
}
LANG_CODES = sorted(LANGS)

AUTHORS = ["Anna Kowalska", "Jean-Luc Moreau", "Jürgen Weiß",
           "Ελένη Παπαδοπούλου", "María Fernández", "Giulia Rossi",
           "Pieter de Vries", "João Silva", "Tomáš Novák", "Sarah O'Brien",
           "Søren Kierkegaard-Holm", "Zoë Lefèvre", "Ştefan Popescu",
           "Małgorzata Wiśniewska", "Newsroom"]

HOSTS = ["eu-policy.example.org", "news.example.com", "euro.example.net",
         "bruxelles.example.org", "press.example.eu.example.com"]

MEDIA = [("audio/mpeg", "mp3"), ("video/mp4", "mp4"),
         ("application/pdf", "pdf"), ("image/jpeg", "jpg")]


# --- text -----------------------------------------------------------------

class Rng(random.Random):
    """random.Random with the feed's habit for numeric character references:
    the share of non-ASCII characters it writes as &#N; or &#xN;."""
    numref = 0.0


XML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
NON_ASCII = re.compile("[\u0080-\U0010ffff]")


def numref(rng, share, s):
    """Write that share of the non-ASCII characters of s as numeric
    character references, decimal or hex, as some feeds do."""
    if share <= 0.0:
        return s

    def sub(m):
        if share < 1.0 and rng.random() >= share:
            return m.group(0)
        if rng.random() < 0.5:
            return "&#%d;" % ord(m.group(0))
        return "&#x%X;" % ord(m.group(0))
    return NON_ASCII.sub(sub, s)


def xml_escape(s, rng=None, quote=False):
    """Escape s for XML character data (or an attribute with quote=True);
    with rng, also apply the feed's numeric reference habit."""
    s = re.sub('[&<>"]' if quote else "[&<>]",
               lambda m: XML_SPECIAL[m.group(0)], s)
    return numref(rng, rng.numref, s) if rng is not None else s


def html_escape(s, rng, xml_safe):
    """Escape text for HTML inside a feed.  HTML may use named entities
    (&eacute; &euro;): they are fine inside CDATA or escaped HTML, but not
    in inline XHTML (xml_safe), where numeric references stand in."""
    def sub(m):
        ch = m.group(0)
        if ch in XML_SPECIAL:
            return XML_SPECIAL[ch]
        if ch == "\u00e9" and not xml_safe and rng.random() < 0.3:
            return "&eacute;"
        if rng.random() < 0.5:
            return "&euro;" if not xml_safe else "&#8364;"
        return ch
    return numref(rng, rng.numref, re.sub("[&<>\u00e9\u20ac]", sub, s))


def sentence(rng, L):
    s = "%s %s %s %s." % (rng.choice(L["subj"]), rng.choice(L["verb"]),
                          rng.choice(L["obj"]), rng.choice(L["tail"]))
    return s.format(n=rng.randint(2, 99), m=rng.randint(1, 30))


def title_text(rng, L):
    s = "%s %s %s" % (rng.choice(L["subj"]), rng.choice(L["verb"]),
                      rng.choice(L["obj"]))
    if rng.random() < 0.2:
        s += " " + rng.choice(L["tail"]).format(n=rng.randint(2, 99),
                                                 m=rng.randint(1, 30))
    return s


def html_body(rng, L, host, paras, xml_safe=False):
    """News-like HTML: paragraphs with inline markup, links, sometimes a
    list, an image or a quote.  Always well-formed (void elements closed)
    so it can also serve as inline XHTML."""
    parts = []
    for _ in range(paras):
        sents = []
        for _ in range(rng.randint(1, 3)):
            s = html_escape(sentence(rng, L), rng, xml_safe)
            r = rng.random()
            if r < 0.15:
                s = "<strong>%s</strong>" % s
            elif r < 0.3:
                s = "<em>%s</em>" % s
            elif r < 0.45:
                s = '%s <a href="https://%s/%s/dossier/%d">%s</a>' % (
                    s, host, rng.choice(LANG_CODES), rng.randint(1, 9999),
                    html_escape(rng.choice(L["obj"]), rng, xml_safe))
            sents.append(s)
        sep = "&nbsp; " if (not xml_safe and rng.random() < 0.1) else " "
        parts.append("<p>%s</p>" % sep.join(sents))
        r = rng.random()
        if r < 0.1:
            parts.append("<ul>%s</ul>" % "".join(
                "<li>%s</li>" % html_escape(rng.choice(L["obj"]), rng,
                                            xml_safe)
                for _ in range(rng.randint(2, 4))))
        elif r < 0.17:
            parts.append('<img src="/img/%d.jpg" alt="%s" width="640" '
                         'height="360"/>' % (
                             rng.randint(1, 99999),
                             xml_escape(rng.choice(L["cat"]), quote=True)))
        elif r < 0.22:
            parts.append("<blockquote>%s</blockquote>" %
                         html_escape(sentence(rng, L), rng, xml_safe))
        elif r < 0.25:
            parts.append("<p>%s<br/>%s</p>" % (
                html_escape(rng.choice(L["tail"]).format(n=3, m=4), rng,
                            xml_safe),
                html_escape(rng.choice(L["tail"]).format(n=5, m=6), rng,
                            xml_safe)))
    return "".join(parts)


def wrap_html(rng, html, cdata_share=0.5):
    """HTML as element content: in a CDATA section or escaped."""
    if "]]>" not in html and rng.random() < cdata_share:
        return "<![CDATA[%s]]>" % html
    return xml_escape(html)


# --- dates ----------------------------------------------------------------

def civil(days):
    """Days since 1970-01-01 to (y, m, d), Howard Hinnant's algorithm."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y, m, d)


def split_time(t, off_min):
    lt = t + off_min * 60
    days, secs = divmod(lt, 86400)
    y, m, d = civil(days)
    return y, m, d, secs // 3600, secs // 60 % 60, secs % 60, (days + 3) % 7


ZONES_822 = [(0, "+0000"), (0, "GMT"), (60, "+0100"), (120, "+0200"),
             (60, "CET"), (120, "CEST"), (0, "UT"), (-300, "-0500"),
             (180, "+0300")]


def rfc822(rng, t):
    off, name = rng.choice(ZONES_822)
    y, m, d, H, M, S, wd = split_time(t, off)
    r = rng.random()
    if r < 0.05:		# no weekday, as some feeds write it
        return "%d %s %d %02d:%02d:%02d %s" % (d, MONTHS[m - 1], y, H, M, S,
                                                name)
    return "%s, %02d %s %d %02d:%02d:%02d %s" % (DAYS[wd], d, MONTHS[m - 1],
                                                  y, H, M, S, name)


def rfc3339(rng, t):
    off = rng.choice((0, 0, 60, 120, -300))
    y, m, d, H, M, S, _ = split_time(t, off)
    frac = ".%03d" % rng.randint(0, 999) if rng.random() < 0.2 else ""
    if off == 0 and rng.random() < 0.7:
        zone = "Z"
    else:
        zone = "%s%02d:%02d" % ("-" if off < 0 else "+", abs(off) // 60,
                                abs(off) % 60)
    return "%04d-%02d-%02dT%02d:%02d:%02d%s%s" % (y, m, d, H, M, S, frac, zone)


# --- items ----------------------------------------------------------------

class Item:
    """Everything one news item carries, independent of the format."""

    def __init__(self, rng, L, lang, host, t, n):
        self.title = title_text(rng, L)
        self.id = n
        y, m, _, _, _, _, _ = split_time(t, 0)
        self.path = "/%s/%04d/%02d/article-%d.html" % (lang, y, m, n)
        self.link = "https://%s%s" % (host, self.path)
        self.uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.time = t
        self.author = rng.choice(AUTHORS)
        self.cats = rng.sample(L["cat"], rng.randint(0, 3))
        self.summary = html_body(rng, L, host, rng.randint(1, 2))
        self.content = (html_body(rng, L, host, rng.randint(3, 6))
                        if rng.random() < 0.3 else None)
        self.enclosure = None
        if rng.random() < 0.2:
            mime, ext = rng.choice(MEDIA)
            self.enclosure = ("https://%s/media/%d.%s" % (host, n, ext),
                              rng.randint(10000, 90000000), mime)
        self.media = rng.random() < 0.1


def rss_item(rng, it):
    o = ["<item>\n"]
    o.append("<title>%s</title>\n" % xml_escape(it.title, rng))
    o.append("<link>%s</link>\n" % it.link)
    if rng.random() < 0.5:
        o.append('<guid isPermaLink="false">urn:uuid:%s</guid>\n' % it.uuid)
    else:
        o.append("<guid>%s</guid>\n" % it.link)
    if rng.random() < 0.9:
        o.append("<pubDate>%s</pubDate>\n" % rfc822(rng, it.time))
    else:
        o.append("<dc:date>%s</dc:date>\n" % rfc3339(rng, it.time))
    o.append("<dc:creator>%s</dc:creator>\n" % xml_escape(it.author))
    for c in it.cats:
        if rng.random() < 0.3:
            o.append('<category domain="https://example.org/topics">%s'
                     "</category>\n" % xml_escape(c, rng))
        else:
            o.append("<category>%s</category>\n" % xml_escape(c, rng))
    o.append("<description>%s</description>\n" % wrap_html(rng, it.summary))
    if it.content is not None:
        o.append("<content:encoded>%s</content:encoded>\n" %
                 wrap_html(rng, it.content, 0.9))
    if it.enclosure is not None:
        o.append('<enclosure url="%s" length="%d" type="%s"/>\n' %
                 it.enclosure)
    if it.media:
        o.append('<media:content url="%s.jpg" medium="image" width="1200" '
                 'height="675"/>\n' % it.link[:-5])
    o.append("</item>\n")
    return "".join(o)


def atom_entry(rng, it, relative):
    o = ["<entry>\n"]
    if rng.random() < 0.2:
        o.append('<title type="html">%s</title>\n' % xml_escape(
            "<em>%s</em>" % xml_escape(it.title)))
    else:
        o.append("<title>%s</title>\n" % xml_escape(it.title, rng))
    href = it.path[1:] if relative else it.link
    o.append('<link rel="alternate" type="text/html" href="%s"/>\n' % href)
    if rng.random() < 0.5:
        o.append("<id>urn:uuid:%s</id>\n" % it.uuid)
    else:
        o.append("<id>tag:example.org,2025:article-%d</id>\n" % it.id)
    o.append("<published>%s</published>\n" % rfc3339(rng, it.time))
    o.append("<updated>%s</updated>\n" % rfc3339(rng, it.time + rng.randint(
        0, 7200)))
    o.append("<author><name>%s</name>" % xml_escape(it.author))
    if rng.random() < 0.3:
        o.append("<email>desk%d@example.org</email>" % rng.randint(1, 9))
    o.append("</author>\n")
    for c in it.cats:
        o.append('<category term="%s" label="%s"/>\n' % (
            xml_escape(c.lower(), quote=True), xml_escape(c, quote=True)))
    o.append('<summary type="html">%s</summary>\n' % wrap_html(rng,
                                                                it.summary))
    r = rng.random()
    if r < 0.3:
        o.append('<content type="html">%s</content>\n' % wrap_html(
            rng, it.content or it.summary))
    elif r < 0.45:
        o.append('<content type="xhtml"><div xmlns="http://www.w3.org/1999/'
                 'xhtml">%s</div></content>\n' % html_body(
                     rng, LANGS[rng.choice(LANG_CODES)], "example.org",
                     rng.randint(1, 4), xml_safe=True))
    if it.enclosure is not None:
        o.append('<link rel="enclosure" href="%s" length="%d" type="%s"/>\n'
                 % it.enclosure)
    o.append("</entry>\n")
    return "".join(o)


def rdf_item(rng, it):
    o = ['<item rdf:about="%s">\n' % it.link]
    o.append("<title>%s</title>\n" % xml_escape(it.title, rng))
    o.append("<link>%s</link>\n" % it.link)
    o.append("<description>%s</description>\n" % wrap_html(rng, it.summary))
    o.append("<dc:creator>%s</dc:creator>\n" % xml_escape(it.author))
    o.append("<dc:date>%s</dc:date>\n" % rfc3339(rng, it.time))
    for c in it.cats:
        o.append("<dc:subject>%s</dc:subject>\n" % xml_escape(c, rng))
    if it.content is not None:
        o.append("<content:encoded>%s</content:encoded>\n" %
                 wrap_html(rng, it.content, 0.9))
    o.append("</item>\n")
    return "".join(o)


# --- feeds ----------------------------------------------------------------

T0 = 1735689600		# 2025-01-01T00:00:00Z
SPREAD = 300		# days over which the feeds' newest items fall


class Feed:
    """A feed's metadata; items are made on demand, one at a time."""

    def __init__(self, rng, fmt):
        self.rng = rng
        self.fmt = fmt
        self.lang = rng.choice(LANG_CODES)
        self.L = LANGS[self.lang]
        self.host = rng.choice(HOSTS)
        self.title = "%s \u2013 %s" % (rng.choice(self.L["outlet"]),
                                       rng.choice(self.L["section"]))
        self.desc = sentence(rng, self.L)
        self.url = "https://%s/%s/" % (self.host, self.lang)
        self.t = T0 + rng.randint(0, SPREAD * 86400)
        self.n = rng.randint(1, 10 ** 6)
        self.relative = fmt == "atom" and rng.random() < 0.5

    def items(self, count, gap=6 * 3600):
        for _ in range(count):
            self.t -= self.rng.randint(60, gap)
            self.n += 1
            yield Item(self.rng, self.L, self.lang, self.host, self.t, self.n)

    def head(self):
        rng, x = self.rng, xml_escape
        if self.fmt == "rss":
            media = ' xmlns:media="http://search.yahoo.com/mrss/"'
            return (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
                ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
                ' xmlns:atom="http://www.w3.org/2005/Atom"%s>\n<channel>\n'
                "<title>%s</title>\n<link>%s</link>\n"
                "<description>%s</description>\n<language>%s</language>\n"
                "<lastBuildDate>%s</lastBuildDate>\n"
                '<atom:link href="%sfeed.xml" rel="self" '
                'type="application/rss+xml"/>\n'
                "<generator>herald gen-corpus.py</generator>\n" % (
                    media, x(self.title, rng), self.url,
                    x(self.desc), self.lang, rfc822(rng, self.t), self.url))
        if self.fmt == "atom":
            base = ' xml:base="%s"' % self.url if self.relative else ""
            return (
                '<?xml version="1.0" encoding="utf-8"?>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="%s"%s>\n'
                "<title>%s</title>\n<subtitle>%s</subtitle>\n"
                '<link rel="alternate" type="text/html" href="%s"/>\n'
                '<link rel="self" href="%satom.xml"/>\n'
                "<id>%s</id>\n<updated>%s</updated>\n"
                "<author><name>%s</name></author>\n"
                '<generator uri="https://example.org/herald">herald</generator>'
                "\n" % (self.lang, base, x(self.title, rng),
                        x(self.desc), self.url, self.url, self.url,
                        rfc3339(rng, self.t), x(rng.choice(AUTHORS))))
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://purl.org/rss/1.0/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
            '<channel rdf:about="%srss.rdf">\n<title>%s</title>\n'
            "<link>%s</link>\n<description>%s</description>\n"
            "<dc:language>%s</dc:language>\n<dc:date>%s</dc:date>\n"
            "</channel>\n" % (self.url, x(self.title, rng), self.url,
                              x(self.desc), self.lang, rfc3339(rng, self.t)))

    def item(self, it):
        if self.fmt == "rss":
            return rss_item(self.rng, it)
        if self.fmt == "atom":
            return atom_entry(self.rng, it, self.relative)
        return rdf_item(self.rng, it)

    def tail(self):
        return {"rss": "</channel>\n</rss>\n", "atom": "</feed>\n",
                "rdf": "</rdf:RDF>\n"}[self.fmt]


def feed_rng(seed, i):
    rng = Rng(seed * 1000003 + i)
    r = rng.random()
    rng.numref = 0.0 if r < 0.7 else 0.03 if r < 0.9 else 1.0
    return rng


def write_corpus(outdir, seed, count, items):
    os.makedirs(outdir, exist_ok=True)
    total = hashlib.sha256()
    names = []
    nbytes = 0
    nitems = 0
    for i in range(count):
        rng = feed_rng(seed, i)
        r = rng.random()
        fmt = "rss" if r < 0.5 else "atom" if r < 0.8 else "rdf"
        feed = Feed(rng, fmt)
        n = max(1, items + rng.randint(-10, 10))
        parts = [feed.head()]
        parts.extend(feed.item(it) for it in feed.items(n))
        parts.append(feed.tail())
        data = "".join(parts).encode("utf-8")
        name = "feed-%04d-%s-%s.xml" % (i, fmt, feed.lang)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        total.update(data)
        names.append(name)
        nbytes += len(data)
        nitems += n
    digest = total.hexdigest()
    with open(os.path.join(outdir, "MANIFEST"), "w") as f:
        f.write("# gen-corpus.py version %d seed %d count %d items %d\n"
                % (GENERATOR_VERSION, seed, count, items))
        f.write("# %d files, %d bytes, %d items, sha256 %s\n"
                % (count, nbytes, nitems, digest))
        for name in names:
            f.write(name + "\n")
    print("gen-corpus: %d feeds, %d items, %d bytes (%.1f MB) in %s"
          % (count, nitems, nbytes, nbytes / 1e6, outdir))
    print("gen-corpus: sha256 %s" % digest)


def write_big(path, seed, mib, fmt):
    """Stream one feed of at least mib MiB to path, item by item."""
    target = mib * 1024 * 1024
    rng = feed_rng(seed, 10 ** 6 + mib)
    feed = Feed(rng, fmt)
    feed.t = T0 + SPREAD * 86400
    nitems = 0
    with open(path, "wb") as f:
        size = f.write(feed.head().encode("utf-8"))
        tail = feed.tail().encode("utf-8")
        for it in feed.items(10 ** 9, gap=600):
            if size + len(tail) >= target:
                break
            size += f.write(feed.item(it).encode("utf-8"))
            nitems += 1
        size += f.write(tail)
    print("gen-corpus: %s: %s feed, %d items, %d bytes (%.1f MiB)"
          % (path, fmt, nitems, size, size / 1048576))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description="Write a deterministic corpus of news feeds.")
    ap.add_argument("--seed", type=int, default=1, help="default 1")
    ap.add_argument("--count", type=int, default=1000,
                    help="feeds to write (default 1000)")
    ap.add_argument("--items", type=int, default=50,
                    help="mean items per feed, +-10 (default 50)")
    ap.add_argument("--big", type=int, metavar="MIB",
                    help="write one feed of at least MIB MiB to the path")
    ap.add_argument("--format", choices=("rss", "atom", "rdf"), default="rss",
                    help="format of the --big feed (default rss)")
    ap.add_argument("--end", type=int, metavar="EPOCH",
                    help="the newest item no later than EPOCH (default: "
                    "2025, the feeds over the 300 days after T0)")
    ap.add_argument("--spread", type=int, default=None, metavar="DAYS",
                    help="the feeds' newest items over DAYS days (before "
                    "--end, or after T0; default 300); each feed's items "
                    "go back some "
                    "six days from its newest: --end $(date +%%s) "
                    "--spread 1 makes a corpus of live news, all of it "
                    "in a story window of a few days")
    ap.add_argument("path", nargs="?",
                    help="output directory (default bench/corpus/), or the "
                    "file with --big")
    a = ap.parse_args()
    global T0, SPREAD
    if a.spread is not None:
        if a.spread < 0:
            ap.error("--spread must be >= 0")
        SPREAD = a.spread
    if a.end is not None:
        T0 = a.end - SPREAD * 86400
    if a.big is not None:
        if a.path is None or a.big < 1:
            ap.error("--big needs a size of at least 1 and a file")
        write_big(a.path, a.seed, a.big, a.format)
        return 0
    if a.count < 1 or a.items < 11:
        ap.error("--count must be >= 1 and --items >= 11")
    write_corpus(a.path or os.path.join(here, "corpus"), a.seed, a.count,
                 a.items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
