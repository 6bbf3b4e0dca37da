#!/usr/bin/env python3
"""Rebuild the shipped colour emoji set in Weights/data/ byte for byte.

Sources (Debian 12 packages, checked by sha256):
  - `fonts-noto-color-emoji` 2.042: /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf (SIL OFL 1.1),
    colour bitmaps (CBDT, one 136×128 PNG per glyph);
  - `unicode-data` 15.0.0: /usr/share/unicode/emoji/emoji-test.txt (Unicode licence), the emoji list
    with each one's group.

Every fully-qualified emoji of emoji-test.txt (the "Component" group left out: skin-tone and hair
swatches) that the font draws — HarfBuzz shapes the sequence to exactly one glyph that has a bitmap — is
rendered to 32×32 RGB: its PNG is alpha-composited (in sRGB, as browsers do) onto a white square of
136×136 (the 136×128 bitmap centred), then area-averaged to 32×32 (Pillow's BOX filter). Its label is
its Unicode emoji group: 0 Smileys & Emotion, 1 People & Body, 2 Animals & Nature, 3 Food & Drink,
4 Travel & Places, 5 Activities, 6 Objects, 7 Symbols, 8 Flags.

Split: skin-tone variants are near-duplicates, so an emoji and its variants (the same sequence with
U+1F3FB–1F3FF removed) are one "family" and go to the same side. For each group, numpy's PCG64 generator
seeded with SEED permutes the group's families (in file order) and the first 20 % (rounded up) go to the
held-out set. Each set is then put in one seeded random order (the same generator, continued).
Output: IDX u8 images [N, 32, 32, 3] (channels last: gzip packs it a sixth smaller than channels first),
u8 labels [N], gzip level 9, mtime 0, named
emoji-{train,heldout}-{images-idx4,labels-idx1}-ubyte.gz, and emoji-{train,heldout}-names.txt (one
"<emoji> <name>" per line, in the same order).

Needs: apt-get install fonts-noto-color-emoji unicode-data; pip install numpy pillow fonttools uharfbuzz
Usage: python3 scripts/make_emoji_set.py [--out Weights/data]
"""
import argparse, gzip, hashlib, io, math, os, struct, sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_files import write_gz
from PIL import Image
from fontTools.ttLib import TTFont
import uharfbuzz as hb

FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
FONT_SHA256 = "e5899ed38b8ed83e08bd3ac5de09791e9d19d288333a796de1d35ad17396f1ec"
TEST = "/usr/share/unicode/emoji/emoji-test.txt"
TEST_SHA256 = "8445f23ac8388e096be19d0262e14fceff856ff52093f2356dc89485f1a853db"
GROUPS = ["Smileys & Emotion", "People & Body", "Animals & Nature", "Food & Drink", "Travel & Places",
          "Activities", "Objects", "Symbols", "Flags"]
SEED = 20261130
HELD_OUT = 0.2
SIDE = 32
SKIN_TONES = set(range(0x1F3FB, 0x1F400))


def check(path, digest):
    data = open(path, "rb").read()
    if hashlib.sha256(data).hexdigest() != digest:
        sys.exit(f"{path}: sha256 {hashlib.sha256(data).hexdigest()}, expected {digest}")
    return data


def emoji_list():
    """(codepoints, text, name, group) of every fully-qualified emoji, in file order."""
    out, group = [], None
    for line in check(TEST, TEST_SHA256).decode("utf-8").splitlines():
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
            continue
        if not line or line.startswith("#") or "; fully-qualified" not in line or group not in GROUPS:
            continue
        codes = [int(c, 16) for c in line.split(";")[0].split()]
        comment = line.split("#", 1)[1].strip().split(" ", 2)   # "😀 E1.0 grinning face"
        out.append((codes, "".join(map(chr, codes)), comment[2], GROUPS.index(group)))
    return out


def render(png):
    """A glyph's bitmap on white, 32×32 RGB u8 (channels last)."""
    glyph = Image.open(io.BytesIO(png)).convert("RGBA")
    side = max(glyph.size)
    canvas = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    canvas.alpha_composite(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
    small = canvas.convert("RGB").resize((SIDE, SIDE), Image.BOX)
    return np.asarray(small, np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Weights", "data"))
    args = ap.parse_args()
    check(FONT, FONT_SHA256)
    tt = TTFont(FONT)
    order, strike = tt.getGlyphOrder(), tt["CBDT"].strikeData[0]
    font = hb.Font(hb.Face(hb.Blob.from_file_path(FONT)))

    images, labels, names, families = [], [], [], []
    for codes, text, name, group in emoji_list():
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        hb.shape(font, buf, {})
        glyphs = [info.codepoint for info in buf.glyph_infos]
        if len(glyphs) != 1 or glyphs[0] == 0 or order[glyphs[0]] not in strike:
            continue
        images.append(render(strike[order[glyphs[0]]].imageData))
        labels.append(group)
        names.append(f"{text} {name}")
        families.append(tuple(c for c in codes if c not in SKIN_TONES and c != 0xFE0F))
    images, labels = np.stack(images), np.array(labels, np.uint8)

    rng = np.random.default_rng(SEED)
    held = np.zeros(len(labels), bool)
    for g in range(len(GROUPS)):
        keys = list(dict.fromkeys(f for f, l in zip(families, labels) if l == g))
        chosen = {keys[i] for i in rng.permutation(len(keys))[:math.ceil(HELD_OUT * len(keys))]}
        held |= np.array([l == g and f in chosen for f, l in zip(families, labels)])

    os.makedirs(args.out, exist_ok=True)
    for split, mask in (("train", ~held), ("heldout", held)):
        rows = np.flatnonzero(mask)
        rows = rows[rng.permutation(len(rows))]
        for kind, array in (("images-idx4", images[rows]), ("labels-idx1", labels[rows])):
            path = os.path.join(args.out, f"emoji-{split}-{kind}-ubyte.gz")
            write_gz(path, array)
        with open(os.path.join(args.out, f"emoji-{split}-names.txt"), "w", encoding="utf-8") as f:
            f.write("".join(names[i] + "\n" for i in rows))
        counts = np.bincount(labels[rows], minlength=len(GROUPS))
        print(f"  {split}: {len(rows)} emoji; per group {dict(zip(GROUPS, counts.tolist()))}")


if __name__ == "__main__":
    main()
