// SPDX-License-Identifier: MIT
/*
 * enpu-mkfw: turn the firmware's position-independent ELF (linked with
 * ld -pie, entry point = the entry table) into the flat ENPU firmware image
 * of uapi/drm/enpu_hw.h: header, the loadable bytes from address 0, and the
 * relocation table (every relocation must be a RELATIVE one: the image has
 * no symbols to resolve).  Refuses an ELF with writable data (the device
 * maps the firmware read-only), with other relocation types, or whose entry
 * table is not where the entry point says.
 *
 *	enpu-mkfw IN.elf OUT.bin [BUILD-ID]
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enpu_fw_image.h"

static const char *in_path;

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "enpu-mkfw: %s: ", in_path);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static int read_file(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*buf = malloc(n ? (size_t)n : 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* Sections that are writable in the ELF but only written by relocation. */
static int relro_name(const char *n)
{
	return !strncmp(n, ".data.rel.ro", 12) || !strcmp(n, ".got") ||
	       !strcmp(n, ".got.plt") || !strcmp(n, ".dynamic");
}

int main(int argc, char **argv)
{
	unsigned char *elf = NULL, *img;
	size_t len = 0;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	const Elf64_Shdr *sh;
	const char *shstr;
	struct enpu_hw_fw_header h;
	const struct enpu_fw_entry *ent;
	__u64 span = 0, *relocs = NULL;
	__u32 nrel = 0, rel_type;
	size_t total;
	FILE *out;
	int i;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: enpu-mkfw IN.elf OUT.bin [BUILD-ID]\n");
		return 2;
	}
	in_path = argv[1];
	if (read_file(in_path, &elf, &len))
		return fail("%s", "cannot read");
	eh = (const Elf64_Ehdr *)elf;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail("%s", "not a little-endian ELF64 file");
	if (eh->e_type != ET_DYN)
		return fail("%s", "not position independent (link with ld -pie)");
	if (eh->e_machine == EM_X86_64)
		rel_type = R_X86_64_RELATIVE;
	else if (eh->e_machine == EM_AARCH64)
		rel_type = R_AARCH64_RELATIVE;
	else
		return fail("%s", "machine is neither x86-64 nor aarch64");
	if (eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(*ph) ||
	    eh->e_shoff > len || eh->e_shnum > (len - eh->e_shoff) / sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return fail("%s", "truncated ELF headers");
	ph = (const Elf64_Phdr *)(elf + eh->e_phoff);
	sh = (const Elf64_Shdr *)(elf + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset >= len)
		return fail("%s", "bad section name table");
	shstr = (const char *)elf + sh[eh->e_shstrndx].sh_offset;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return fail("%s", "has an interpreter (link with --no-dynamic-linker)");
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > span)
			span = ph[i].p_vaddr + ph[i].p_memsz;
	}
	span = (span + 7) & ~7ull;
	if (span == 0 || span > (1u << 30))
		return fail("%s", "no loadable bytes, or more than 1 GiB");
	img = calloc(1, sizeof(h) + span);
	if (!img)
		return fail("%s", "out of memory");
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset > len || ph[i].p_filesz > len - ph[i].p_offset ||
		    ph[i].p_filesz > ph[i].p_memsz)
			return fail("%s", "segment outside the file");
		memcpy(img + sizeof(h) + ph[i].p_vaddr, elf + ph[i].p_offset,
		       ph[i].p_filesz);
	}
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name = shstr + sh[i].sh_name;

		if ((sh[i].sh_flags & (SHF_ALLOC | SHF_WRITE)) == (SHF_ALLOC | SHF_WRITE) &&
		    sh[i].sh_size && !relro_name(name))
			return fail("writable section %s: the firmware must have no mutable globals",
				    name);
		if (sh[i].sh_type == SHT_REL)
			return fail("REL section %s: only RELA is supported", name);
		if (sh[i].sh_type != SHT_RELA)
			continue;
		const Elf64_Rela *r = (const Elf64_Rela *)(elf + sh[i].sh_offset);
		size_t n = sh[i].sh_size / sizeof(*r), k;

		if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset)
			return fail("%s", "relocations outside the file");
		relocs = realloc(relocs, (nrel + n + 1) * sizeof(*relocs));
		if (!relocs)
			return fail("%s", "out of memory");
		for (k = 0; k < n; k++) {
			__u64 v = (__u64)r[k].r_addend;

			if (ELF64_R_TYPE(r[k].r_info) != rel_type)
				return fail("%s", "a relocation is not RELATIVE (undefined or preemptible symbol?)");
			if (r[k].r_offset > span - 8 || v > span)
				return fail("%s", "a relocation points outside the image");
			memcpy(img + sizeof(h) + r[k].r_offset, &v, 8);
			relocs[nrel++] = r[k].r_offset;
		}
	}
	if (eh->e_entry % 8 || eh->e_entry + sizeof(*ent) > span)
		return fail("%s", "entry point is not an entry table inside the image");
	ent = (const struct enpu_fw_entry *)(img + sizeof(h) + eh->e_entry);
	if (ent->magic != ENPU_FW_ENTRY_MAGIC)
		return fail("%s", "the entry point is not enpu_fw_entry_table");

	memset(&h, 0, sizeof(h));
	h.magic = ENPU_FW_IMAGE_MAGIC;
	h.format = ENPU_FW_IMAGE_FORMAT;
	h.header_size = sizeof(h);
	h.fw_version = ent->fw_version;
	h.isa_version = ent->isa_version;
	h.hw_version = ent->hw_version;
	h.machine = eh->e_machine;
	h.code_size = (__u32)span;
	h.num_relocs = nrel;
	h.entry_offset = (__u32)eh->e_entry;
	total = sizeof(h) + span + (size_t)nrel * 8;
	h.image_size = total;
	if (argc == 4)
		memcpy(h.build_id, argv[3], strnlen(argv[3], sizeof(h.build_id)));
	h.crc32 = enpu_fw_crc32(0, &h, sizeof(h));
	h.crc32 = enpu_fw_crc32(h.crc32, img + sizeof(h), span);
	h.crc32 = enpu_fw_crc32(h.crc32, relocs, (__u64)nrel * 8);
	memcpy(img, &h, sizeof(h));

	out = fopen(argv[2], "wb");
	if (!out || fwrite(img, 1, sizeof(h) + span, out) != sizeof(h) + span ||
	    fwrite(relocs, 8, nrel, out) != nrel || fclose(out))
		return fail("cannot write %s", argv[2]);
	printf("  %u bytes: code %u, %u relocations, firmware %u.%u, ISA %u.%u\n",
	       (unsigned)total, h.code_size, nrel, h.fw_version >> 16,
	       h.fw_version & 0xffff, h.isa_version >> 16, h.isa_version & 0xffff);
	free(relocs);
	free(img);
	free(elf);
	return 0;
}
