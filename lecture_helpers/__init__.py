"""Helpers for the lecture "Visualizing ConvNets".  Use as ``import lecture_helpers as lh``.

Importing this package imports TensorFlow once, with its start-up log lines silenced.
"""

from . import _quiet  # noqa: F401  (must come first: silences TensorFlow's import)
from .assets import ASSETS, AssetError, asset_path, cache_dir
from .classes import class_index, find_class, imagenet_class_names
from .errors import UnknownNameError, UnsafeModelFileError, UnsupportedModelError
from .images import (
    SAMPLE_IMAGES,
    load_image,
    prepare_image_for_display,
    resize_image,
    sample_image,
)
from .notebook import seed_everything, setup_notebook
from .torch_reader import UnsafeCheckpointError, read_legacy_checkpoint
from .zoo import (
    ZooModel,
    clear_model_cache,
    get_layer,
    lecture_small_convnet,
    list_models,
    load_model,
)

__version__ = "0.1.0"

# Public names of the topic modules, imported on first use (``lh.grad_cam`` → cam/).
# One entry per name: "name": "module".
_LAZY_EXPORTS: dict[str, str] = {
    "widgets": "widgets",
    "check": "check",
    "modelview": "modelview",
    "view": "modelview",
    "ModelView": "modelview",
    "saliency": "saliency_maps",
    "saliency_maps": "saliency_maps",
    "SaliencyMap": "saliency_maps",
    "compare_saliency": "saliency_maps",
    "show_saliency": "saliency_maps",
    "attribution": "attribution",
    "explain": "attribution",
    "class_neurons": "class_neurons",
    "slide_class_ascent": "class_neurons",
    "start_image": "class_neurons",
    "visualize_class_preset": "class_neurons",
    "compare_class_presets": "class_neurons",
    "plot_preset_comparison": "class_neurons",
    "transform_robustness": "class_neurons",
    "view_probabilities": "class_neurons",
    "grayscale_std": "class_neurons",
    "half_resolution": "class_neurons",
    "high_frequency_share": "class_neurons",
    "CLASS_PRESETS": "class_neurons",
    "activations": "activations",
    "ActivationModel": "activations",
    "LayerStatistics": "activations",
    "activation_model": "activations",
    "get_activations": "activations",
    "feature_map_layers": "activations",
    "channel_grid": "activations",
    "channel_image": "activations",
    "normalize_channels": "activations",
    "plot_channel_grid": "activations",
    "plot_activations": "activations",
    "plot_layers": "activations",
    "strongest_channels": "activations",
    "photo_resemblance": "activations",
    "layer_statistics": "activations",
    "format_layer_statistics": "activations",
    "plot_layer_statistics": "activations",
    "layer_table": "activations",
    "format_shapes": "activations",
    "optimize": "optimize",
    "maximize": "optimize",
    "visualize_filters": "optimize",
    "visualize_class": "optimize",
    "objectives": "optimize",
    "transforms": "optimize",
    "regularizers": "optimize",
    "OptimizationResult": "optimize",
    "lecture_gradient_ascent": "optimize",
    "plot_ascent": "optimize",
    "plot_results": "optimize",
    "filters": "filters",
    "layer_kernels": "filters",
    "kernel_patches": "filters",
    "plot_kernels": "filters",
    "kernel_similarity": "filters",
    "nearest_filter_similarity": "filters",
    "most_similar_pairs": "filters",
    "plot_similarity": "filters",
    "plot_similar_pairs": "filters",
    "cam": "cam",
    "grad_cam": "cam",
    "grad_cam_plus_plus": "cam",
    "score_cam": "cam",
    "guided_backprop": "cam",
    "guided_grad_cam": "cam",
    "occlusion_sensitivity": "cam",
    "overlay": "cam",
    "upsample_heatmap": "cam",
    "normalize_heatmap": "cam",
    "cam_layers": "cam",
    "compute_heatmap": "cam",
    "CAM_METHODS": "cam",
    "mass_fraction": "cam",
    "channel_weight_check": "cam",
    "plot_heatmaps": "cam",
    "plot_colormaps": "cam",
    "colormaps": "colormaps",
    "plot_guided": "cam",
    "plot_randomization": "cam",
    "faithfulness": "faithfulness",
    "deletion_insertion": "faithfulness",
    "plot_deletion_insertion": "faithfulness",
    "sanity_check": "sanity_check",
    "cascading_randomization": "sanity_check",
    "randomized_copy": "sanity_check",
    "spearman_correlation": "sanity_check",
    "figures": "figures",
    "figure_report": "figures",
    "grid_artifacts": "grid_artifacts",
    "grid_artifact_score": "grid_artifacts",
    "checkerboard_score": "grid_artifacts",
    "plot_checkerboard_aliasing": "grid_artifacts",
    "image_quality": "image_quality",
    "colourfulness": "image_quality",
    "period2_energy": "image_quality",
    "clipped_share": "image_quality",
    "plot_faithfulness": "faithfulness",
}


def __getattr__(name: str):
    if name in _LAZY_EXPORTS:
        import importlib

        module = importlib.import_module(f".{_LAZY_EXPORTS[name]}", __name__)
        value = module if name == _LAZY_EXPORTS[name] else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lecture_helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_EXPORTS))


# Topic modules that keep compiled functions or sub-models per model.
def clear_caches(models: bool = False) -> None:
    """Free the compiled functions and sub-models the helpers keep.

    Every model's compiled functions and sub-models live in its view; the exercise checkers
    keep their small test models and reference results. Each is rebuilt (and traced again)
    on its next use.  With ``models=True`` the models ``load_model`` built are forgotten
    too.  Useful in a long session to give memory back.
    """
    import gc
    import sys

    from .modelview import clear_views

    clear_views()
    for name, module in list(sys.modules.items()):
        if name.startswith(f"{__name__}.check."):  # the checkers' functools caches
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    if models:
        clear_model_cache()
    gc.collect()
    _return_free_memory_to_the_system()


def _return_free_memory_to_the_system() -> None:
    """glibc keeps freed heap pages; ``malloc_trim`` hands them back (Linux only)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        pass


__all__ = [
    "ASSETS",
    "AssetError",
    "SAMPLE_IMAGES",
    "UnknownNameError",
    "UnsafeCheckpointError",
    "UnsafeModelFileError",
    "UnsupportedModelError",
    "ZooModel",
    "asset_path",
    "cache_dir",
    "class_index",
    "clear_caches",
    "clear_model_cache",
    "find_class",
    "get_layer",
    "imagenet_class_names",
    "lecture_small_convnet",
    "list_models",
    "load_image",
    "load_model",
    "prepare_image_for_display",
    "read_legacy_checkpoint",
    "resize_image",
    "sample_image",
    "seed_everything",
    "setup_notebook",
]
