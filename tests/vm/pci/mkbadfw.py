#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a copy of a firmware image built for another machine (aarch64),
with a valid CRC-32: the driver's own header checks pass, the device's boot
ROM refuses it (ENPU_HW_FAULT_FW_VERSION).  usage: mkbadfw.py IN OUT"""
import struct
import sys
import zlib

img = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", img, 20, 183)  # machine: ENPU_FW_MACHINE_AARCH64
struct.pack_into("<I", img, 48, 0)    # crc32 is computed with itself as zero
struct.pack_into("<I", img, 48, zlib.crc32(img) & 0xffffffff)
open(sys.argv[2], "wb").write(img)
