"""Congress motions (提案): the delegate's own steps, notices and the session report.

The motions and their co-signers are registers (``schemas/motions.yaml``, ``motion_cosigners.yaml``)
with a workflow; everything here writes through the register service and the workflow engine.
"""
