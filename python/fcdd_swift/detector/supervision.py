"""What a fit trains its anomalies from, in words a user can act on: known anomalies (semi-supervised),
outlier images (outlier exposure), or only synthetic anomalies drawn on the nominal images. FCDD with
synthetic anomalies alone is weak on object-level data (digits, object classes), so that case says how to
give it better ones. `FCDD.fit` prints it once and keeps it as ``supervision_``."""
import numpy as np

from .. import settings

HOW_TO_IMPROVE = ("with a few known anomalies (fit(X, y) with y = 1 for them) or outlier images (oe_data=...), "
                  "FCDD is much stronger, above all on object-level data")


def describe(resolved, labels, masks, outliers):
    """One sentence on the anomalies of this fit; `resolved` are the engine's resolved settings."""
    known = int((np.asarray(labels) == 1).sum()) if labels is not None else 0
    parts = []
    if known:
        parts.append(f"{known} known anomalies" + (" with ground-truth maps" if masks is not None else ""))
    if outliers is not None:
        parts.append(f"{len(outliers)} outlier images (oe_data)")
    if parts:
        return "trained with " + " and ".join(parts)
    noise = resolved.get("noise_mode")
    mode = resolved.get("supervise_mode")
    drawn = f"'{noise}' noise" if noise else "synthetic noise"
    what = (settings.fields("detector")["supervise_mode"]["choice_help"] or {}).get(mode, "")
    return f"trained with synthetic anomalies only: {drawn}, supervise_mode '{mode}' ({what}); {HOW_TO_IMPROVE}"
