// staticgrad/staticgrad.hpp - the whole public interface in one include.
#pragma once

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/random.hpp"
#include "staticgrad/core/tensor.hpp"
#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/graph/model.hpp"
#include "staticgrad/graph/network.hpp"
#include "staticgrad/graph/transfer.hpp"
#include "staticgrad/layers/activations.hpp"
#include "staticgrad/layers/batch_norm.hpp"
#include "staticgrad/layers/dense.hpp"
#include "staticgrad/layers/dropout.hpp"
#include "staticgrad/losses/cross_entropy.hpp"
#include "staticgrad/losses/mean_squared_error.hpp"
#include "staticgrad/losses/multi_label.hpp"
#include "staticgrad/ops/all.hpp"
