// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: device discovery, open/close, GET_PARAM, unknown ioctls,
 * struct-size compatibility.
 */
#include "enpu_test.h"
#include "kselftest_harness.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	ENPU_OPEN_DEVICE(self->fd, return);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, version)
{
	struct drm_version v;
	char name[32] = { 0 };

	memset(&v, 0, sizeof(v));
	v.name = name;
	v.name_len = sizeof(name) - 1;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_VERSION, &v));
	EXPECT_STREQ("enpu", name);
	EXPECT_EQ(1, v.version_major);
}

TEST_F(dev, open_close_many)
{
	int i, fds[32];

	for (i = 0; i < 32; i++) {
		fds[i] = enpu_open_device();
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0, close(fds[i]));
}

static uint64_t get_param(struct __test_metadata *_metadata, int fd,
			  uint32_t param)
{
	struct drm_enpu_get_param p = { .param = param, .value = ~0ull };

	EXPECT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
	return p.value;
}

TEST_F(dev, get_param)
{
	uint64_t caps;

	EXPECT_EQ((uint64_t)ENPU_ISA_VERSION_MAJOR << 16 | ENPU_ISA_VERSION_MINOR,
		  get_param(_metadata, self->fd, DRM_ENPU_PARAM_ISA_VERSION));
	EXPECT_EQ(1, get_param(_metadata, self->fd,
			       DRM_ENPU_PARAM_DRIVER_VERSION) >> 16);
	EXPECT_EQ(1, get_param(_metadata, self->fd,
			       DRM_ENPU_PARAM_FW_VERSION) >> 16);
	caps = get_param(_metadata, self->fd, DRM_ENPU_PARAM_CAPABILITIES);
	EXPECT_TRUE(caps & DRM_ENPU_CAP_URING_SUBMIT);
	EXPECT_TRUE(caps & DRM_ENPU_CAP_SYNCOBJ);
	EXPECT_LE(1, get_param(_metadata, self->fd, DRM_ENPU_PARAM_NUM_ENGINES));
	EXPECT_EQ(enpu_expected_engine(),
		  get_param(_metadata, self->fd, DRM_ENPU_PARAM_ENGINE_TYPE));
	EXPECT_LT(1ull << 20,
		  get_param(_metadata, self->fd, DRM_ENPU_PARAM_MEMORY_SIZE));
	EXPECT_LE(1ull << 20,
		  get_param(_metadata, self->fd, DRM_ENPU_PARAM_MAX_BO_SIZE));
	EXPECT_LT(0, get_param(_metadata, self->fd,
			       DRM_ENPU_PARAM_JOB_TIMEOUT_MS));
}

TEST_F(dev, get_param_bad)
{
	struct drm_enpu_get_param p = { .param = 9999 };

	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
	p.param = DRM_ENPU_PARAM_ISA_VERSION;
	p.pad = 1;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
	EXPECT_EQ(-EFAULT, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_GET_PARAM,
				      (void *)8));
}

TEST_F(dev, unknown_ioctl)
{
	uint64_t buf[8] = { 0 };

	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd,
				      DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
					       uint64_t[8]), buf));
}

/* An older, shorter struct: input zero-extended, output truncated. */
TEST_F(dev, struct_size_older)
{
	uint32_t p[2] = { DRM_ENPU_PARAM_ISA_VERSION, 0 };
	unsigned long req = DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_GET_PARAM,
				     uint32_t[2]);

	EXPECT_EQ(0, enpu_ioctl(self->fd, req, p));
	EXPECT_EQ(DRM_ENPU_PARAM_ISA_VERSION, p[0]);
}

/* A newer, longer struct: the unknown tail is ignored and left alone. */
TEST_F(dev, struct_size_newer)
{
	struct {
		struct drm_enpu_get_param p;
		uint64_t tail;
	} big = { { .param = DRM_ENPU_PARAM_ISA_VERSION }, 0x5a5a5a5a5a5a5a5aull };
	unsigned long req = DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_GET_PARAM,
				     big);

	EXPECT_EQ(0, enpu_ioctl(self->fd, req, &big));
	EXPECT_EQ((uint64_t)ENPU_ISA_VERSION_MAJOR << 16 | ENPU_ISA_VERSION_MINOR,
		  big.p.value);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aull, big.tail);
}

TEST_HARNESS_MAIN
