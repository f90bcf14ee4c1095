/* lazylib.c - dlopen a library and resolve a table of its symbols; see
 * lazylib.h.  The library stays loaded for the life of the process.
 */
#include <dlfcn.h>
#include <string.h>

#include <glib.h>

#include "lazylib.h"

char *
lazylib_load(const char *soname, const char *need,
    const struct lazylib_sym *syms, size_t nsyms, void *api)
{
	void *lib, *sym = NULL;
	size_t i, missing;

	if ((lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return g_strdup_printf("cannot load %s: %s", soname,
		    dlerror());
	for (i = 0; i < nsyms; i++) {
		if ((sym = dlsym(lib, syms[i].name)) == NULL)
			break;
		/* dlsym returns an object pointer; POSIX guarantees that
		 * it converts to the function pointer in the slot. */
		memcpy((char *)api + syms[i].offset, &sym, sizeof(sym));
	}
	if (i == nsyms)
		return NULL;
	missing = i;
	for (i = 0; i < nsyms; i++)
		memset((char *)api + syms[i].offset, 0, sizeof(sym));
	return g_strdup_printf("%s lacks %s (%s is needed)", soname,
	    syms[missing].name, need);
}
