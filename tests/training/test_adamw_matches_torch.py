"""Our AdamW takes the same steps as PyTorch's `torch.optim.AdamW` (what Hugging Face trains
with), epsilon included: small gradients, where Keras's own placement of epsilon moves a
parameter far less in the first steps, are the case that tells them apart."""

import numpy as np
import pytest

from keras_bert.training.optimizers import create_optimizer


@pytest.mark.must_run("torch (the interop extra): pip install torch==2.13.0")
def test_adamw_steps_equal_torch_adamw_with_bert_epsilon():
    torch = pytest.importorskip("torch")
    import keras

    rng = np.random.default_rng(0)
    start = rng.normal(size=(64,)).astype("float32")
    # Gradients from 1e-7 to 1e-2: epsilon 1e-6 matters for the smallest.
    scales = np.logspace(-7, -2, 64).astype("float32")
    gradients = [rng.normal(size=64).astype("float32") * scales for _ in range(20)]

    ours = keras.Variable(start.copy(), name="kernel")
    optimizer = create_optimizer(100, learning_rate=1e-3, warmup_steps=0, weight_decay=0.01,
                                 global_clipnorm=None)
    theirs = torch.nn.Parameter(torch.tensor(start.copy()))
    reference = torch.optim.AdamW([theirs], lr=1e-3, eps=1e-6, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(reference, lambda step: (100 - step) / 100)
    for gradient in gradients:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), ours)])
        theirs.grad = torch.tensor(gradient)
        reference.step()
        schedule.step()
    moved = np.abs(theirs.detach().numpy() - start)
    assert moved[:8].max() > 1e-3  # the smallest gradients moved their parameters
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=0, atol=2e-6)
