"""4-bit block quantization in com.microsoft.MatMulNBits' layout (onnxruntime docs/ContribOperators.md):
B is uint8 [N, k_blocks, block_size / 2], quantized along K in blocks, the first of two 4-bit values in a byte's
low nibble; scales [N, k_blocks] in A's type; without zero_points the zero point is 2^(bits-1) = 8. Symmetric,
as onnxruntime's MatMulNBitsQuantizer makes transformers.js's q4 files by default."""
import numpy as np

BITS = 4
BLOCK = 32
ROWS_AT_ONCE = 8192  # rows quantized per step: the tied lm_head has 151,936 rows of 896


def quantize_rows(rows: np.ndarray, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """rows [N, K] (a Linear's weight as PyTorch stores it: output rows, K inputs each; K a multiple of block)
    -> (B uint8 [N, K / block, block / 2], scales float32 [N, K / block]) with W[n, k] = (q - 8) * scale."""
    n, k = rows.shape
    if k % block:
        raise ValueError(f"K = {k} is not a multiple of the block size {block}")
    packed = np.empty((n, k // block, block // 2), np.uint8)
    scales = np.empty((n, k // block), np.float32)
    for start in range(0, n, ROWS_AT_ONCE):
        blocks = rows[start:start + ROWS_AT_ONCE].reshape(-1, k // block, block).astype(np.float32)
        scale = np.abs(blocks).max(axis=2) / 7.0
        scale[scale == 0] = 1.0
        q = (np.clip(np.rint(blocks / scale[..., None]), -8, 7) + 8).astype(np.uint8)
        packed[start:start + ROWS_AT_ONCE] = q[..., 0::2] | (q[..., 1::2] << 4)
        scales[start:start + ROWS_AT_ONCE] = scale
    return packed, scales


def dequantize_rows(packed: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The inverse of quantize_rows: float32 [N, K], what MatMulNBits multiplies by (transposed)."""
    n, blocks, half = packed.shape
    q = np.empty((n, blocks, half * 2), np.float32)
    q[..., 0::2] = packed & 0x0F
    q[..., 1::2] = packed >> 4
    return ((q - 8) * scales[..., None]).reshape(n, blocks * half * 2)
