"""Text processing: normalisation with offset maps, and segmentation."""

from .normalize import NormalizeOptions, Normalizer, TextView
from .segment import Segmenter, default_cache_dir

__all__ = ["NormalizeOptions", "Normalizer", "Segmenter", "TextView", "default_cache_dir"]
