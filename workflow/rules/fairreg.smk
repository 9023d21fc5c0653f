# fairreg study rules (see the section of workflow/rules/common.smk for its helpers).
