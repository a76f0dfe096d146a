/*
 * src/process/run.h
 *
 * A step of one instance, in memory (private to process/): its tokens,
 * the queue of those still moving, and how they are loaded from bpm.token
 * and written back (tokens.c). The step loop that moves them is engine.c.
 */
#ifndef BPM_RUN_H
#define BPM_RUN_H

#include "process/engine.h"

typedef enum TokenState
{
	TOKEN_MOVING,
	TOKEN_WAITING,
	TOKEN_JOINING,
	TOKEN_SCOPE,
	TOKEN_DONE
} TokenState;

typedef struct Token
{
	int64		row_id;			/* 0 until the token has rested */
	int			node;
	int			scope;			/* index of the sub-process token, -1 at top */
	int			via;			/* flow it arrived by, -1 if none */
	TokenState	state;
	bool		dirty;			/* joining, row not yet written */
	bool		continuing;		/* back from an async job: enter without stopping */
} Token;

typedef struct Run
{
	BpmInstance *inst;
	BpmGraph   *g;
	Token	   *tokens;
	int			ntokens;
	int			maxtokens;
	int		   *queue;			/* FIFO of moving token indexes */
	int			qhead;
	int			qtail;
	int			qmax;
	int		   *entries;		/* per node: how often this step entered it */
} Run;

extern void bpm_run_init(Run *run, BpmInstance *inst);
extern void bpm_run_push(Run *run, int t);
extern int	bpm_token_add(Run *run, int64 row_id, int node, int scope, int via, TokenState state);
extern int	bpm_token_new(Run *run, int node, int scope, int via);
extern void bpm_token_write(Run *run, int t);
extern void bpm_token_rest(Run *run, int t, TokenState state);
extern void bpm_token_done(Run *run, int t);
extern bool bpm_token_is_live(Token *tok);
extern void bpm_run_anchor_tokens(Run *run);
extern void bpm_run_load_tokens(Run *run);
extern int	bpm_run_waiting_token(Run *run, int64 token_id);

#endif							/* BPM_RUN_H */
