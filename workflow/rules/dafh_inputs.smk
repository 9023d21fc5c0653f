# Input functions and path helpers of the DAFH rules (dafh.smk): Snakemake's style keeps functions out of rule
# files. They read the globals of dafh.smk when called.


def dafh_parts(dataset, split):
    """The prepared parts of one dataset split."""
    return {part: f"results/dafh/prepared/{dataset}/split{split}/{part}.npz" for part in DAFH_PARTS}


def dafh_job_inputs(w):
    """The split's parts, and the pilot's learning rates for a DAFH job when the grid leaves them open."""
    method, _ = dafh_parse_run_name(w.run)
    pilot = {"pilot": DAFH_PILOT} if DAFH_PILOT and method == "dafh" else {}
    return {**dafh_parts(w.dataset, w.split), **pilot}


def dafh_pilot_input(w=None):
    """The pilot's record as a named input, when the grid leaves learning rates to it."""
    return {"pilot": DAFH_PILOT} if DAFH_PILOT else {}
