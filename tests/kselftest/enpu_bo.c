// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: buffer objects: create, info, mmap, close, PRIME, errors.
 */
#include "enpu_test.h"
#include "kselftest_harness.h"

FIXTURE(bo) {
	int fd;
};

FIXTURE_SETUP(bo)
{
	ENPU_OPEN_DEVICE(self->fd, return);
}

FIXTURE_TEARDOWN(bo)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(bo, create_rounds_to_page)
{
	struct drm_enpu_bo_create c = { .size = 1 };
	struct drm_enpu_bo_info info = { 0 };
	long page = sysconf(_SC_PAGESIZE);

	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
	EXPECT_EQ((uint64_t)page, c.size);
	EXPECT_NE(0, c.handle);
	info.handle = c.handle;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_INFO, &info));
	EXPECT_EQ((uint64_t)page, info.size);
	EXPECT_NE(0, info.mmap_offset);
	EXPECT_EQ(0, enpu_bo_close(self->fd, c.handle));
	EXPECT_EQ(-EINVAL, enpu_bo_close(self->fd, c.handle));
}

TEST_F(bo, create_bad)
{
	struct drm_enpu_bo_create c = { .size = 0 };
	int err;

	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
	c.size = 4096;
	c.flags = 1;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
	c.flags = 0;
	/* Past MAX_BO_SIZE: -EINVAL, or -E2BIG past a PCI NPU's memory. */
	err = enpu_expected_engine() == DRM_ENPU_ENGINE_PCI ? -E2BIG : -EINVAL;
	c.size = (1ull << 30) + 1;
	EXPECT_EQ(err, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
	c.size = ~0ull;
	EXPECT_EQ(err, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
}

TEST_F(bo, info_mmap_bad)
{
	struct drm_enpu_bo_mmap_offset m = { .handle = 12345 };
	struct drm_enpu_bo_info info = { .handle = 12345 };
	uint32_t h;

	EXPECT_EQ(-ENOENT, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m));
	EXPECT_EQ(-ENOENT, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_INFO, &info));
	ASSERT_EQ(0, enpu_bo_create(self->fd, 4096, &h));
	m.handle = h;
	m.flags = 2;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m));
	info.handle = h;
	info.flags = 1;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_INFO, &info));
	EXPECT_EQ(0, enpu_bo_close(self->fd, h));
}

TEST_F(bo, mmap_zeroed_and_persistent)
{
	const size_t size = 3 * 4096 + 1;
	uint8_t *p, *q;
	uint32_t h;
	size_t i, nonzero = 0, bad = 0;

	ASSERT_EQ(0, enpu_bo_create(self->fd, size, &h));
	p = enpu_bo_map(self->fd, h, 4 * 4096);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 4 * 4096; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(0, nonzero);
	for (i = 0; i < 4 * 4096; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	ASSERT_EQ(0, munmap(p, 4 * 4096));

	/* A second mapping sees the same pages. */
	q = enpu_bo_map(self->fd, h, 4 * 4096);
	ASSERT_NE(NULL, q);
	for (i = 0; i < 4 * 4096; i++)
		bad += q[i] != (uint8_t)(i * 7 + 1);
	EXPECT_EQ(0, bad);
	/* The mapping keeps the object alive after the handle is gone. */
	EXPECT_EQ(0, enpu_bo_close(self->fd, h));
	EXPECT_EQ((uint8_t)(5 * 7 + 1), q[5]);
	EXPECT_EQ(0, munmap(q, 4 * 4096));
}

TEST_F(bo, mmap_past_end_fails)
{
	struct drm_enpu_bo_mmap_offset m = { 0 };
	void *p;
	uint32_t h;

	ASSERT_EQ(0, enpu_bo_create(self->fd, 4096, &h));
	m.handle = h;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m));
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, self->fd, m.offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(0, enpu_bo_close(self->fd, h));
}

TEST_F(bo, handles_are_per_file)
{
	struct drm_enpu_bo_info info = { 0 };
	int other;
	uint32_t h;

	ASSERT_EQ(0, enpu_bo_create(self->fd, 4096, &h));
	other = enpu_open_device();
	ASSERT_LE(0, other);
	info.handle = h;
	EXPECT_EQ(-ENOENT, enpu_ioctl(other, DRM_IOCTL_ENPU_BO_INFO, &info));
	close(other);
	EXPECT_EQ(0, enpu_bo_close(self->fd, h));
}

TEST_F(bo, prime_export_import)
{
	struct drm_prime_handle exp = { 0 }, imp = { 0 };
	struct drm_enpu_bo_info info = { 0 };
	uint8_t *p, *q;
	int other;
	uint32_t h;

	ASSERT_EQ(0, enpu_bo_create(self->fd, 8192, &h));
	p = enpu_bo_map(self->fd, h, 8192);
	ASSERT_NE(NULL, p);
	p[8191] = 0xa5;

	exp.handle = h;
	exp.flags = DRM_CLOEXEC | DRM_RDWR;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp));
	ASSERT_LE(0, exp.fd);

	other = enpu_open_device();
	ASSERT_LE(0, other);
	imp.fd = exp.fd;
	ASSERT_EQ(0, enpu_ioctl(other, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp));
	info.handle = imp.handle;
	ASSERT_EQ(0, enpu_ioctl(other, DRM_IOCTL_ENPU_BO_INFO, &info));
	EXPECT_EQ(8192, info.size);
	q = enpu_bo_map(other, imp.handle, 8192);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(0xa5, q[8191]);
	munmap(q, 8192);
	munmap(p, 8192);
	close(exp.fd);
	close(other);
	EXPECT_EQ(0, enpu_bo_close(self->fd, h));
}

TEST_F(bo, many_objects)
{
	uint32_t h[256];
	int i;

	for (i = 0; i < 256; i++)
		ASSERT_EQ(0, enpu_bo_create(self->fd, 4096 * (1 + i % 5), &h[i]));
	for (i = 0; i < 256; i++)
		ASSERT_EQ(0, enpu_bo_close(self->fd, h[i]));
}

TEST_HARNESS_MAIN
