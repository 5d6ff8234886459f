#!/usr/bin/python3
"""make_repro.py -- writes the hand-made reproducers of the regression corpus.

    /usr/bin/python3 tests/fuzz/make_repro.py [CORPUS_DIR]   (default tests/fuzz/corpus)

Each file is named after what it reproduces and starts with its harness's
selector byte (tests/fuzz/README.md); the rest is the file or body exactly
as described below.  The results are committed; run this again only to
re-create or change them.  Inputs that the fuzzers found are committed as
they were found, with a name that says what they hit.
"""
import os
import struct
import sys
import zlib

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    print("%s/%s: %d bytes" % (target, name, len(data)))


# --- a) lf_http: a multipart part without name= ---------------------------
# libmicrohttpd's PostProcessor hands the iterator a NULL key for it; the
# server passed it to strcmp (server/http.c, on_post -> is_option).
# Selector 0x00: POST /v1/generate/image?width=32..., boundary=XyZ.
put("http", "multipart-part-without-name-null-key",
    b"\x00" + b"--XyZ\r\nContent-Disposition: form-data\r\n\r\ncalm\r\n--XyZ--\r\n")


# --- b) lf_image: progressive JPEG, AC scan with an undefined Huffman table
# SOI, SOF2 (1x1, one component, quantisation table 0), SOS for component 1
# with DC/AC table 0 and spectral selection 1..63 (an AC scan), EOI.  No DHT
# ever defines AC table 0, so stb_image 2.27 decodes the scan against the
# uninitialised table of its malloc'd decoder (nothings/stb #1535; seen
# under MSan or valgrind).  27 bytes.  Selector 0x04: target image, grid.
sof2 = bytes([0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00])
sos = bytes([0x01, 0x01, 0x00, 0x01, 0x3F, 0x00])
jpeg = (b"\xff\xd8" + b"\xff\xc2" + struct.pack(">H", 2 + len(sof2)) + sof2 +
        b"\xff\xda" + struct.pack(">H", 2 + len(sos)) + sos + b"\xff\xd9")
put("image", "jpeg-progressive-ac-scan-undefined-huffman-table", b"\x04" + jpeg)


# --- c) lf_audio: valid Ogg pages around a broken Vorbis identification header
# One page, BOS and EOS, sequence 0, correct CRC, one 30-byte packet: the
# Vorbis identification header with version 1 (only 0 exists), and no
# comment or setup header.  libsndfile's vorbis_info_init allocates 5.8 KB
# (libvorbis's codec_setup_info) that it never frees when the header
# packets fail after it (LeakSanitizer; valgrind: 5,784 bytes definitely
# lost).  58 bytes.  Selector 0x04.
def ogg_crc(data):
    crc = 0
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def ogg_page(flags, seq, packet, serial=0x53594E45, granule=0):
    head = b"OggS" + bytes([0, flags]) + struct.pack("<qIII", granule, serial, seq, 0)
    head += bytes([1, len(packet)])
    page = head + packet
    return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]


vorbis_id = (b"\x01vorbis" + struct.pack("<I", 1) + bytes([1]) +  # version 1, 1 channel
             struct.pack("<Iiii", 8000, 0, 0, 0) + bytes([0x86, 0x01]))  # blocksizes 64/256, framing
assert len(vorbis_id) == 30
put("audio", "ogg-valid-pages-vorbis-id-header-version-1-leaks-5.8KB",
    b"\x04" + ogg_page(0x06, 0, vorbis_id))


# --- d) lf_image: a PNG whose only IDAT chunk is empty ----------------------
# Length 0, valid CRC.  stb_image appends the chunk with memcpy(NULL, p, 0)
# (its buffer is still NULL): UBSan's nonnull check aborts.  Selector 0x04.
def chunk(typ, data):
    return struct.pack(">I", len(data)) + typ + data + struct.pack(">I", zlib.crc32(typ + data))


png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) +
       chunk(b"IDAT", b"") + chunk(b"IEND", b""))
put("image", "png-only-idat-empty-memcpy-null", b"\x04" + png)


# --- e) lf_audio: a FLAC header claiming 599 s of 8 channels at 192 kHz -----
# fLaC and a last STREAMINFO block: blocksize 4096, 192000 Hz, 8 channels,
# 16 bits, 599 * 192000 frames, no audio frames.  Under the server's default
# limits (600 s, 8 channels, 192 kHz) it passes every header check, and the
# decoder allocates 599 * 192000 * 8 floats (3.7 GB) before reading a frame.
# (The real file, 0.95 MB of silence, is made by sox in test_libfuzzer.sh.)
# Selector 0x44: target image, grid, the server's default limits.
frames = 599 * 192000
bits = (192000 << 44) | (7 << 41) | (15 << 36) | frames  # rate 20, ch-1 3, bps-1 5, total 36
streaminfo = struct.pack(">HH", 4096, 4096) + b"\0\0\0" + b"\0\0\0" + bits.to_bytes(8, "big") + bytes(16)
assert len(streaminfo) == 34
flac = b"fLaC" + bytes([0x80]) + (34).to_bytes(3, "big") + streaminfo
put("audio", "flac-header-claims-599s-8ch-192khz-allocates-3.7GB", b"\x44" + flac)


# --- text: UTF-8 the decoder must refuse, not misread ----------------------
# Selector 0x0c: target image, grid and semantics (the text is drawn).
put("text", "utf8-overlong-nul-c0-80-is-invalid", b"\x0c" + b"calm \xc0\x80 sea")
put("text", "utf8-surrogate-ed-a0-80-is-invalid", b"\x0c" + b"warm \xed\xa0\x80")
put("text", "bom-only-is-empty-text", b"\x0c" + b"\xef\xbb\xbf")


# --- convert: bugs b) and d) through a whole conversion ---------------------
# lf_convert's 8 option bytes: target audio, claim image, spectral, wav,
# width 16, height 16, duration 0.2 s, 8000 Hz; then the file.
conv = bytes([0x01, 0x01, 16, 16, 100, 0x02, 0x00, 0x01])
put("convert", "png-only-idat-empty-to-audio", conv + png)
put("convert", "jpeg-progressive-undefined-huffman-table-to-audio", conv + jpeg)
