#!/usr/bin/env python3
"""gen-rules.py: a deterministic topic rule set the size of the EU's Europe
Media Monitor (about 850 topics, 30,000 terms) for topics-bench.sh.

Usage:
    gen-rules.py [--seed N] [--topics N] [--terms N] [--corpus DIR] [OUT]

Writes herald.conf [topic] sections to OUT (default stdout).  Like EMM's
categories, most rules are long OR lists of names and keywords in many
languages and scripts: single words, "quoted phrases" of two or three words
and prefix* terms, about a fifth with an exclude, one in ten combining
groups with AND or NEAR.  Most terms are made-up words (Latin with
diacritics, Greek, Cyrillic) that no article contains, as most of EMM's
terms are absent from any one batch of news; 0.3% are words taken from
the titles of the benchmark corpus (--corpus, default bench/corpus), so that
topics do match (about two topics per article on the corpus).  The same
seed gives the same file.
"""

import argparse
import glob
import os
import random
import re
import sys

LATIN = "abcdefghijklmnoprstuvwyz"
ACCENTS = "áéíóúäöüčšžłńęąåøæçñ"
GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
CYRILLIC = "абвгдежзиклмнопрстуфхцчшщы"
REAL = 0.003   # share of terms taken from the corpus


def made_up(rng):
    """A word-like token that is no word of the corpus."""
    script = rng.random()
    n = rng.randint(4, 11)
    if script < 0.75:
        w = "".join(rng.choice(LATIN) for _ in range(n))
        if rng.random() < 0.3:
            i = rng.randrange(n)
            w = w[:i] + rng.choice(ACCENTS) + w[i + 1:]
        return w.capitalize() if rng.random() < 0.6 else w
    if script < 0.88:
        return "".join(rng.choice(GREEK) for _ in range(n)).capitalize()
    return "".join(rng.choice(CYRILLIC) for _ in range(n)).capitalize()


def corpus_words(corpus):
    """Words of 5+ letters from the corpus titles, in a stable order."""
    words = set()
    for path in sorted(glob.glob(os.path.join(corpus, "feed-*.xml")))[:200]:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for title in re.findall(r"<title[^>]*>([^<]{1,300})</title>", text):
            for w in re.findall(r"\w{5,}", title):
                if not w.isdigit() and w.upper() not in ("AND", "NOT",
                                                          "NEAR"):
                    words.add(w)
    return sorted(words)


def term(rng, real):
    """One term: a word, a prefix, or a phrase."""
    def word():
        if real and rng.random() < REAL:
            return rng.choice(real)
        return made_up(rng)
    r = rng.random()
    if r < 0.70:
        return word()
    if r < 0.82:
        w = word()
        return w[:max(4, len(w) - rng.randint(1, 3))] + "*"
    return '"' + " ".join(word() for _ in range(rng.randint(2, 3))) + '"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--topics", type=int, default=850)
    ap.add_argument("--terms", type=int, default=30000)
    ap.add_argument("--corpus", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus"))
    ap.add_argument("out", nargs="?")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    real = corpus_words(a.corpus) if os.path.isdir(a.corpus) else []
    out = open(a.out, "w", encoding="utf-8") if a.out else sys.stdout
    per = a.terms / a.topics
    written = 0
    out.write("# EMM-size topic rules from gen-rules.py --seed %d "
              "--topics %d --terms %d\n" % (a.seed, a.topics, a.terms))
    for i in range(a.topics):
        # about `per` terms each, from 5 to 3 * per, summing to --terms
        left = a.topics - i
        n = max(5, min(int(3 * per), int(rng.gauss(per, per / 2))))
        if left == 1:
            n = max(5, a.terms - written)
        terms = [term(rng, real) for _ in range(n)]
        written += n
        kind = rng.random()
        if kind < 0.07 and n >= 6:
            h = n // 2
            match = "(%s) AND (%s)" % (" OR ".join(terms[:h]),
                                       " OR ".join(terms[h:]))
        elif kind < 0.10 and n >= 6:
            near = "NEAR(%s %s, %d)" % (made_up(rng), made_up(rng),
                                        rng.randint(3, 10))
            match = " OR ".join(terms[2:] + [near])
        else:
            match = " OR ".join(terms)
        out.write('\n[topic "emm-%04d"]\n' % i)
        # continuation lines of about ten terms
        parts = match.split(" OR ")
        lines = [" OR ".join(parts[j:j + 10])
                 for j in range(0, len(parts), 10)]
        out.write("match = " + "\n\tOR ".join(lines) + "\n")
        if rng.random() < 0.2:
            ex = [term(rng, []) for _ in range(rng.randint(1, 4))]
            out.write("exclude = " + " OR ".join(ex) + "\n")
    if out is not sys.stdout:
        out.close()
    print("gen-rules.py: %d topics, %d terms" % (a.topics, written),
          file=sys.stderr)


if __name__ == "__main__":
    main()
