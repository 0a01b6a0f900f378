"""PyTorch checkpoints (``torch.save(model.state_dict(), path)``) read by the engine, without PyTorch and
without executing anything in the file: the pickle inside may name only ``collections.OrderedDict``,
``torch._utils._rebuild_tensor_v2`` (or the older ``_rebuild_tensor``) and the storage types of real-valued
tensors; everything else is refused. Both layouts of ``torch.save`` are read: the zip archive of PyTorch 1.6
and later, and the legacy layout before it (torchvision's older downloads such as ``vgg11_bn-6002323d.pth``).
"""
from ._lib import lib
from .safetensors import read_tensor_file


def load_torch_checkpoint(path):
    """Reads every tensor of a PyTorch state-dict checkpoint (``.pth`` / ``.pt``).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    dict of str to ndarray
        In state-dict order, with the storage's dtype: float32 (FloatStorage), float16 (HalfStorage),
        float64 (DoubleStorage), int64 (LongStorage), int32 (IntStorage), uint8 (ByteStorage), bool
        (BoolStorage); BFloat16Storage, which numpy lacks, becomes float32 (exactly). Strided views are
        returned as C-contiguous copies; ``num_batches_tracked`` is a 0-d int64 array.

    Raises
    ------
    FCDDIOError
        the file cannot be read (e.g. it does not exist).
    FormatError
        the file is not a state dict of tensors (another object, a global outside the list above, another
        dtype), a compressed or damaged archive, or big-endian; the message names the file.
    """
    tensors, _ = read_tensor_file(lib.fcdd_torch_checkpoint_read, path)
    return tensors
