def attention(query, key, value):
    """Scaled dot-product attention over one head."""
    scores = query @ key.T / key.shape[-1] ** 0.5
    weights = softmax(scores)
    return weights @ value
