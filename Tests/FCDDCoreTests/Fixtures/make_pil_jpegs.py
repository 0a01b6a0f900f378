#!/usr/bin/env python3
"""Writes JPEG fixtures and PIL's decoding of them, read by ImageFileTests.testDecodingMatchesPIL.

Run from this folder: python3 make_pil_jpegs.py (needs numpy and Pillow; Pillow wheels bundle
libjpeg-turbo). For each case, pil_<case>.jpg is written by Pillow and pil_<case>.raw holds what the
original's pipeline sees: `Image.open(f).convert('L' if gray else 'RGB')` as planar uint8 (C x H x W).
Cases: 4:2:0 colour, progressive colour, gray, and CMYK (Pillow writes Adobe-style CMYK; reading it
inverts ("CMYK;I") and convert('RGB') applies cmyk2rgb).
"""
import numpy as np
from PIL import Image


def main():
    rng = np.random.default_rng(0)
    h, w = 19, 27  # not multiples of the 8 / 16 pixel blocks
    base = (np.add.outer(np.arange(h) * 9, np.arange(w) * 5) % 256).astype(np.int64)
    rgb = np.stack([base, (base * 2) % 256, 255 - base], -1)
    rgb = np.clip(rgb + rng.integers(-20, 20, rgb.shape), 0, 255).astype(np.uint8)
    cmyk = np.stack([base, 255 - base, (base * 3) % 256, base // 2], -1).astype(np.uint8)
    Image.fromarray(rgb).save('pil_rgb420.jpg', quality=80)
    Image.fromarray(rgb).save('pil_progressive.jpg', quality=75, progressive=True)
    Image.fromarray(base.astype(np.uint8)).save('pil_gray.jpg', quality=85)
    Image.fromarray(cmyk, 'CMYK').save('pil_cmyk.jpg', quality=90)
    for name in ['rgb420', 'progressive', 'gray', 'cmyk']:
        image = Image.open(f'pil_{name}.jpg')
        decoded = np.asarray(image.convert('L' if image.mode == 'L' else 'RGB'))
        if decoded.ndim == 3:
            decoded = decoded.transpose(2, 0, 1)
        with open(f'pil_{name}.raw', 'wb') as f:
            f.write(np.ascontiguousarray(decoded).tobytes())


if __name__ == '__main__':
    main()
