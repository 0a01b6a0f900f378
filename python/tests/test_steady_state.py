"""Training steps reuse their buffers: after a warm-up, further steps neither allocate large arrays nor grow
the process's memory, and single images (fewer images than threads) give the same outputs as in a batch."""
import numpy as np

import fcdd_swift as fs


def resident_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_training_steps_do_not_grow_memory():
    # Batch 16: every array of the step is kept by its layer (ReusableStorage), so nothing is allocated
    # anew once the first steps have run.
    x = np.random.default_rng(0).standard_normal((16, 3, 32, 32)).astype(np.float32)
    labels = (np.arange(16) % 2).astype(np.float32)
    net = fs.Network("FCDD_CNN32_LW3K", in_shape=(3, 32, 32), seed=0)
    opt = fs.optim.SGD(net, lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-6)
    for _ in range(4):
        net.loss_and_grad(x, labels=labels)
        opt.step()
    before = resident_kib()
    for _ in range(15):
        net.loss_and_grad(x, labels=labels)
        opt.step()
    grown = resident_kib() - before
    assert grown < 8192, f"steady-state training steps grew the resident memory by {grown} KiB"


def test_single_images_match_the_batch():
    fs.set_num_threads(2)
    x = np.random.default_rng(1).standard_normal((3, 3, 64, 64)).astype(np.float32)
    net = fs.Network("FCDD_CNN224_VGG_NOPT", in_shape=(3, 64, 64), seed=0)
    net.eval()
    batch = net.forward(x)
    single = np.concatenate([net.forward(x[i:i + 1]) for i in range(3)])
    np.testing.assert_allclose(single, batch, rtol=1e-5, atol=1e-5)


def test_training_loop_allocates_no_large_arrays_after_warm_up(tmp_path):
    # Counts heap allocations of >= 1 MiB per step with the benchmark's allocator shim. With 40 images,
    # LW3K's first gradients (21 MB) are above the size layers keep themselves, so they go through the
    # network's gradient pool; the batch arrays, activations and optimiser state are reused too.
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
    import steady_state
    counter = steady_state.build_counter(str(tmp_path))
    assert counter is not None, "a C compiler (cc) is needed to build the allocation counter"
    per_step = steady_state.run(counter, "FCDD_CNN32_LW3K", 40, 32, 3, 5)
    assert per_step[0][0] > 0, "the counter saw no allocation in the first step"
    assert [count for count, _ in per_step[2:]] == [0, 0, 0], f"large allocations per step: {per_step}"
