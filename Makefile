# DAXFS top-level Makefile (user space).  Kbuild reads ./Kbuild instead.
#
#   make            tools and daxfs.ko (module skipped without a kernel tree)
#   make tools      mkdaxfs, daxfs-inspect, daxfs-branch
#   make module     daxfs.ko against $(KDIR)
#   make check      host tests (ASan/UBSan), fuzz smoke run, VM tests
#   make check-long the soaks: long fuzzing, hostile images, live corruption
#   make demo       build an image and mount it in a VM
#   make bench      DAXFS vs tmpfs and EROFS, side by side in one VM
#   make clean

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(lastword $(sort $(wildcard /lib/modules/*/build))))
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
WARN := -Wall -Wextra -Werror
CPPFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilibdaxfs -Itools/common
SAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=all

CORE_SRCS := $(sort $(wildcard libdaxfs/*.c))
COMMON_SRCS := $(sort $(wildcard tools/common/*.c))
MKDAXFS_SRCS := $(sort $(wildcard tools/mkdaxfs/*.c))
INSPECT_SRCS := $(sort $(wildcard tools/inspect/*.c))
BRANCH_SRCS := $(sort $(wildcard tools/branch/*.c))
TEST_SRCS := $(sort $(wildcard tests/host/*.c))
HDRS := $(wildcard include/*.h libdaxfs/*.h tools/*/*.h tests/host/*.h)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJS := $(call obj,$(CORE_SRCS) $(COMMON_SRCS))
TOOLS := $(BUILD)/mkdaxfs $(BUILD)/daxfs-inspect $(BUILD)/daxfs-branch
TESTS := $(patsubst tests/host/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

.PHONY: all tools module check check-long host-tests san fuzz demo clean
.SECONDARY:
all: tools module

tools: $(TOOLS)

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) -c -o $@ $<

$(BUILD)/mkdaxfs: $(call obj,$(MKDAXFS_SRCS)) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/daxfs-inspect: $(call obj,$(INSPECT_SRCS)) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/daxfs-branch: $(call obj,$(BRANCH_SRCS)) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/%: $(BUILD)/obj/tests/host/%.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

host-tests: $(TOOLS) $(TESTS)

# Sanitized tools and tests, used by `make check`.
san:
	$(MAKE) --no-print-directory host-tests BUILD=build/san \
		CFLAGS="$(SAN)" LDFLAGS="-fsanitize=address,undefined"

# libFuzzer targets: the image validator and accessors, the log replay.
FUZZ := build/fuzz/fuzz_validate build/fuzz/fuzz_replay
fuzz: $(FUZZ)
build/fuzz/%: tests/fuzz/%.c $(CORE_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS_ALL) $(WARN) -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< $(CORE_SRCS)

module:
ifeq ($(KDIR),)
	@echo "daxfs.ko: skipped, no kernel build tree found" \
	      "(install linux-headers-amd64 or pass KDIR=/path/to/build)"
else
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
endif

check:
	@bash tests/check.sh

check-long:
	@bash tests/check-long.sh

demo:
	@bash tests/vm/demo.sh

.PHONY: bench
bench:
	@bash bench/run.sh

clean:
	rm -rf build
	-[ -z "$(KDIR)" ] || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
