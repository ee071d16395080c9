// SPDX-License-Identifier: MIT
/*
 * The device's boot ROM: verify a firmware image field by field, then map
 * its code, apply its relocations, make it read-only and executable and
 * check its entry table.  Every refusal names the field and both values.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/enpu_isa.h>

#include "fwload.h"

unsigned int fw_host_machine(void)
{
#if defined(__x86_64__)
	return ENPU_FW_MACHINE_X86_64;
#elif defined(__aarch64__)
	return ENPU_FW_MACHINE_AARCH64;
#else
	return 0;
#endif
}

static const char *machine_name(unsigned int m)
{
	return m == ENPU_FW_MACHINE_X86_64 ? "x86-64" :
	       m == ENPU_FW_MACHINE_AARCH64 ? "aarch64" : "unknown";
}

__attribute__((format(printf, 4, 5)))
static int refuse(char *msg, size_t msgsz, int code, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(msg, msgsz, "firmware image refused: ");

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < msgsz)
		vsnprintf(msg + n, msgsz - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

static int inside(uintptr_t p, uintptr_t base, size_t size)
{
	return p >= base && p - base < size;
}

int fw_load(const void *img, size_t size, struct fw_loaded *out, char *msg,
	    size_t msgsz)
{
	const unsigned char *b = img;
	struct enpu_hw_fw_header h;
	const struct enpu_fw_entry *e;
	__u64 want;
	__u32 crc, zero = 0, i;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), map;
	unsigned char *code;

	memset(out, 0, sizeof(*out));
	if (size < sizeof(h))
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_SIZE,
			      "%zu bytes is shorter than the %zu-byte header",
			      size, sizeof(h));
	memcpy(&h, b, sizeof(h));
	if (h.magic != ENPU_FW_IMAGE_MAGIC)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_MAGIC,
			      "magic 0x%08x, expected 0x%08x (\"ENFW\")", h.magic,
			      ENPU_FW_IMAGE_MAGIC);
	if (h.format != ENPU_FW_IMAGE_FORMAT || h.header_size != sizeof(h) ||
	    h.flags)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_FORMAT,
			      "format %u, header size %u, flags 0x%x; this device reads format %u, header size %zu, flags 0",
			      h.format, h.header_size, h.flags,
			      ENPU_FW_IMAGE_FORMAT, sizeof(h));
	if (h.image_size != size)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_SIZE,
			      "header says %llu bytes, %zu were loaded (truncated or padded image)",
			      (unsigned long long)h.image_size, size);
	want = sizeof(h) + (__u64)h.code_size + (__u64)h.num_relocs * 8;
	if (want != h.image_size || h.code_size % 8 || h.code_size == 0)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_SIZE,
			      "header %zu + code %u + %u relocations x 8 = %llu bytes, image_size says %llu",
			      sizeof(h), h.code_size, h.num_relocs,
			      (unsigned long long)want,
			      (unsigned long long)h.image_size);
	crc = enpu_fw_crc32(0, b, offsetof(struct enpu_hw_fw_header, crc32));
	crc = enpu_fw_crc32(crc, &zero, sizeof(zero));
	crc = enpu_fw_crc32(crc, b + offsetof(struct enpu_hw_fw_header, crc32) + 4,
			    size - offsetof(struct enpu_hw_fw_header, crc32) - 4);
	if (crc != h.crc32)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_CHECKSUM,
			      "CRC32 of the image is 0x%08x, header says 0x%08x (corrupted)",
			      crc, h.crc32);
	if (h.hw_version >> 16 != ENPU_HW_VERSION_MAJOR)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_VERSION,
			      "built for hardware contract %u.%u, device is %u.%u",
			      h.hw_version >> 16, h.hw_version & 0xffff,
			      ENPU_HW_VERSION_MAJOR, ENPU_HW_VERSION_MINOR);
	if (h.isa_version >> 16 != ENPU_ISA_VERSION_MAJOR)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_VERSION,
			      "executes ISA %u.%u, device supports ISA %u.x",
			      h.isa_version >> 16, h.isa_version & 0xffff,
			      ENPU_ISA_VERSION_MAJOR);
	if (h.machine != fw_host_machine())
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_VERSION,
			      "code for machine %u (%s), these cores run %u (%s)",
			      h.machine, machine_name(h.machine),
			      fw_host_machine(), machine_name(fw_host_machine()));
	if (h.entry_offset % 8 ||
	    (__u64)h.entry_offset + sizeof(struct enpu_fw_entry) > h.code_size)
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_LOAD,
			      "entry table at 0x%x does not fit the %u-byte code",
			      h.entry_offset, h.code_size);

	map = ((size_t)h.code_size + page - 1) / page * page;
	code = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (code == MAP_FAILED)
		return refuse(msg, msgsz, ENPU_HW_FAULT_INTERNAL,
			      "cannot map %zu bytes of instruction memory", map);
	memcpy(code, b + sizeof(h), h.code_size);
	for (i = 0; i < h.num_relocs; i++) {
		__u64 off, v;

		memcpy(&off, b + sizeof(h) + h.code_size + (size_t)i * 8, 8);
		if (off > h.code_size - 8) {
			munmap(code, map);
			return refuse(msg, msgsz, ENPU_HW_FAULT_FW_LOAD,
				      "relocation %u at offset 0x%llx is outside the %u-byte code",
				      i, (unsigned long long)off, h.code_size);
		}
		memcpy(&v, code + off, 8);
		if (v > h.code_size) {
			munmap(code, map);
			return refuse(msg, msgsz, ENPU_HW_FAULT_FW_LOAD,
				      "relocation %u at 0x%llx points to 0x%llx, outside the %u-byte code",
				      i, (unsigned long long)off,
				      (unsigned long long)v, h.code_size);
		}
		v += (uintptr_t)code;
		memcpy(code + off, &v, 8);
	}
	if (mprotect(code, map, PROT_READ | PROT_EXEC)) {
		munmap(code, map);
		return refuse(msg, msgsz, ENPU_HW_FAULT_INTERNAL,
			      "cannot make instruction memory executable");
	}
	e = (const struct enpu_fw_entry *)(code + h.entry_offset);
	if (e->magic != ENPU_FW_ENTRY_MAGIC || e->abi != ENPU_FW_ENTRY_ABI ||
	    e->fw_version != h.fw_version || e->isa_version != h.isa_version ||
	    e->hw_version != h.hw_version ||
	    !inside((uintptr_t)e->init, (uintptr_t)code, h.code_size) ||
	    !inside((uintptr_t)e->run_job, (uintptr_t)code, h.code_size)) {
		__u32 magic = e->magic, abi = e->abi;

		munmap(code, map);
		return refuse(msg, msgsz, ENPU_HW_FAULT_FW_LOAD,
			      "entry table at 0x%x (magic 0x%08x, abi %u) does not match the header or points outside the code",
			      h.entry_offset, magic, abi);
	}
	out->base = code;
	out->map_size = map;
	out->entry = e;
	out->hdr = h;
	snprintf(msg, msgsz, "ok");
	return ENPU_HW_FAULT_NONE;
}

void fw_unload(struct fw_loaded *fw)
{
	if (fw->base)
		munmap(fw->base, fw->map_size);
	memset(fw, 0, sizeof(*fw));
}
