"""The models of lesson 3 against hand-written PyTorch, and the optimizers they get."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from embedviz.embedding import EmbeddingConfig
from embedviz.model import (
    CBOW,
    BagOfEmbeddingsClassifier,
    CBOWBatch,
    SentenceBatch,
    SkipGramBatch,
    SkipGramNS,
    param_groups,
)
from embedviz.seeding import torch_generator
from embedviz.training import SparseAdamWithDense, TrainConfig, Trainer, make_optimizer

V, D = 12, 4


def _cfg(**kw) -> EmbeddingConfig:
    return EmbeddingConfig(vocab_size=V, dim=D, init="normal", scale=0.5, seed=3, **kw)


def _skipgram_batch() -> SkipGramBatch:
    g = torch_generator(1)
    return SkipGramBatch(
        torch.randint(2, V, (6,), generator=g), torch.randint(2, V, (6,), generator=g),
        torch.randint(2, V, (6, 3), generator=g),
    )


def test_skipgram_loss_is_the_word2vec_formula():
    model = SkipGramNS(_cfg())
    with torch.no_grad():
        model.context.weight.normal_(0, 0.5, generator=torch_generator(2))
    b = _skipgram_batch()
    W, C = model.embedding.weight, model.context.weight
    u, v, n = W[b.centers], C[b.contexts], C[b.negatives]  # (6, 4), (6, 4), (6, 3, 4)
    expected = -(torch.log(torch.sigmoid((u * v).sum(1)))
                 + torch.log(torch.sigmoid(-(n @ u.unsqueeze(2)).squeeze(2))).sum(1)).mean()
    torch.testing.assert_close(model.loss(b), expected)
    assert len(b.token_ids()) == 6 * (2 + 3) and torch.equal(b.embedding_ids(), b.centers)


def test_cbow_averages_contexts_without_padding_and_pad_row_gets_no_gradient():
    model = CBOW(_cfg())
    with torch.no_grad():
        model.context.weight.normal_(0, 0.5, generator=torch_generator(2))
    contexts = torch.tensor([[3, 4, 0, 0], [5, 6, 7, 8]])  # first example at a sentence edge
    b = CBOWBatch(contexts, torch.tensor([9, 10]), torch.tensor([[2, 11], [3, 4]]))
    W = model.embedding.weight
    h = torch.stack([W[[3, 4]].mean(0), W[[5, 6, 7, 8]].mean(0)])
    pos, neg = model.context.weight[b.targets], model.context.weight[b.negatives]
    neg_scores = (neg @ h.unsqueeze(2)).squeeze(2)  # (2, 2)
    expected = -(F.logsigmoid((h * pos).sum(1)) + F.logsigmoid(-neg_scores).sum(1)).mean()
    loss = model.loss(b)
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert torch.count_nonzero(W.grad[0]) == 0  # [PAD] is looked up but never learns
    touched = set(torch.nonzero(W.grad.abs().sum(1)).flatten().tolist())
    assert touched == {3, 4, 5, 6, 7, 8} == set(b.embedding_ids().tolist()) - {0}


def test_classifier_is_mean_of_embeddings_then_linear_and_cross_entropy():
    model = BagOfEmbeddingsClassifier(_cfg(), n_classes=2, seed=3)
    ids = torch.tensor([[2, 3, 0], [4, 5, 6]])
    labels = torch.tensor([1, 0])
    W = model.embedding.weight
    h = torch.stack([W[[2, 3]].mean(0), W[[4, 5, 6]].mean(0)])
    logits = h @ model.classify.weight.T + model.classify.bias
    expected = F.cross_entropy(logits, labels)
    torch.testing.assert_close(model.loss(SentenceBatch(ids, labels)), expected)


@pytest.mark.parametrize(
    "kw",
    [
        dict(model="skipgram"),
        dict(model="cbow", optimizer="momentum", lr=3.0),
        dict(corpus="reviews", model="classifier", optimizer="sgd", lr=1.0),
        dict(model="skipgram", optimizer="sparse_adam", lr=0.01),
    ],
)
def test_each_model_loss_falls_on_a_fixed_seed(kw):
    trainer = Trainer(TrainConfig(batch_size=64, **kw))
    losses = []
    trainer.callbacks.append(lambda t: losses.append(t.last_loss))
    trainer.step(150)
    first, last = sum(losses[:15]) / 15, sum(losses[-15:]) / 15
    assert last < 0.9 * first, (first, last)


def test_make_optimizer_gives_the_real_torch_optimizers():
    p = [torch.nn.Parameter(torch.zeros(3))]
    assert type(make_optimizer("sgd", p, 0.1)) is torch.optim.SGD
    assert make_optimizer("momentum", p, 0.1).param_groups[0]["momentum"] == 0.9
    assert type(make_optimizer("adam", p, 0.1, weight_decay=0.01)) is torch.optim.Adam
    adamw = make_optimizer("adamw", p, 0.1, weight_decay=0.01)
    assert type(adamw) is torch.optim.AdamW and adamw.param_groups[0]["weight_decay"] == 0.01
    assert type(make_optimizer("sparse_adam", p, 0.1)) is torch.optim.SparseAdam
    with pytest.raises(ValueError, match="weight decay"):
        make_optimizer("sparse_adam", p, 0.1, weight_decay=0.01)
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("lion", p, 0.1)
    sparse_model = SkipGramNS(_cfg(sparse=True))
    with pytest.raises(ValueError, match="dense gradients"):
        make_optimizer("adam", param_groups(sparse_model), 0.1)


def test_sparse_adam_with_a_dense_layer_moves_only_batch_rows_and_the_linear_layer():
    model = BagOfEmbeddingsClassifier(_cfg(sparse=True), n_classes=2, seed=0)
    opt = make_optimizer("sparse_adam", param_groups(model), lr=0.1)
    assert isinstance(opt, SparseAdamWithDense) and len(opt.param_groups) == 2
    before_w = model.embedding.weight.detach().clone()
    before_lin = model.classify.weight.detach().clone()
    batch = SentenceBatch(torch.tensor([[2, 3, 0]]), torch.tensor([1]))
    opt.zero_grad()
    model.loss(batch).backward()
    assert model.embedding.weight.grad.is_sparse
    opt.step()
    moved = (model.embedding.weight.detach() != before_w).any(1).nonzero().flatten().tolist()
    assert moved == [2, 3]  # only the batch's rows; [PAD] (0) is never moved
    assert not torch.equal(model.classify.weight.detach(), before_lin)
    assert len(opt.state) == 3  # table + weight + bias
